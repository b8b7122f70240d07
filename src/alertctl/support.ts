// alertctl's shared pieces: the command shape, connections, flag parsing, errors with exit codes, output.
import { Client, Connection, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { type ServiceConfig } from '../config';
import type { Env } from '../config/read';
import { parseDuration } from '../duration';
import { ConfigError } from '../errors';
import { connectRedis } from '../connections/redis';
import type { AlertEvent } from '../contracts/alert';
import type { DeliveryState } from '../contracts/delivery';
import { workflowIdFor } from '../contracts/ids';
import { UsageError } from './usage-error';
import { NotFoundError } from './not-found-error';
import { FailedError } from './failed-error';

export type Opts = Record<string, string | boolean | string[] | undefined>;
/** What a command prints: `text` for people, `json` (one document) with --json. */
export interface Output {
  text: string;
  json: unknown;
  /** Set when part of the work failed (e.g. some of `retry --all-failed`): the output is printed, then exit 1 with this error. */
  failed?: string;
}
export interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  /** How many positional arguments the command takes at most. */
  positionals: number;
  /** `env`: the environment alertctl was handed (src/alertctl/cli.ts); a command reads no other (never process.env). */
  run(cfg: ServiceConfig, args: string[], o: Opts, env: Env): Promise<Output>;
}

export const uiUrl = (cfg: ServiceConfig, wid: string) =>
  `${cfg.uiUrl}/namespaces/${cfg.namespace}/workflows/${encodeURIComponent(wid)}`;
export const causeOf = (e: unknown): string | undefined => {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error ? cause.message : undefined;
};

/** One connection for one command, closed after it, also when it cannot connect (nothing is left open in-process). */
export async function temporal<T>(cfg: ServiceConfig, fn: (c: Client) => Promise<T>): Promise<T> {
  let connection: Connection | undefined;
  try {
    connection = Connection.lazy({ ...cfg.temporal.connection, connectTimeout: 5_000 });
    await connection.ensureConnected();
  } catch (e) {
    await connection?.close().catch(() => undefined);
    const cause = causeOf(e) ? `: ${causeOf(e)}` : '';
    throw new ConfigError(`cannot reach Temporal at ${cfg.temporal.describe}: ${(e as Error).message}${cause}`);
  }
  try {
    return await fn(new Client({ connection, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter }));
  } finally {
    await connection.close();
  }
}

/** Accepts a stream message ID (`1712345678901-0`) or a full workflow ID (`alerts:1712345678901-0`). */
export function wid(cfg: ServiceConfig, id: string | undefined): string {
  if (!id) throw new UsageError('an alert ID is needed (stream message ID or workflow ID)');
  return id.includes(':') ? id : workflowIdFor(cfg.stream, id);
}

export function durationFlag(o: Opts, name: string, def: string): number {
  const raw = o[name] === undefined ? def : String(o[name]);
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${name} ${raw}: expected a duration such as 30s, 5m, 1h`);
  return ms;
}

/** A value that goes into a visibility query: quotes and backslashes would break out of the string. */
export function queryValue(name: string, v: unknown): string {
  const s = String(v);
  if (!s || /["\\]/.test(s)) throw new UsageError(`--${name} ${JSON.stringify(s)}: must be non-empty, without quotes or backslashes`);
  return s;
}

export const SA_NAMES = { status: 'AlertDeliveryStatus', severity: 'AlertSeverity', rule: 'AlertRuleId', failed: 'AlertFailedChannels' } as const;
export const saValues = (sa: unknown, name: string): string[] => {
  const v = (sa as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(v) ? v.map(String) : [];
};

/**
 * Why an update (acknowledge, retry, abandon) did not happen, as an error with the right exit code:
 * refused by the workflow (its validator, or no handler for it), no such workflow, the delivery has
 * finished, or no answer in time.
 */
export async function updateError(c: Client, cfg: ServiceConfig, id: string, verb: string, e: unknown, timeoutMs?: number): Promise<Error> {
  if (e instanceof WorkflowUpdateFailedError) return new FailedError(`${verb} refused by ${id}: ${causeOf(e) ?? e.message}`);
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new FailedError(`${verb}: no answer from ${id}${timeoutMs ? ` within ${timeoutMs / 1000}s` : ''} (is a worker polling its task queue?)`);
  }
  if (e instanceof WorkflowNotFoundError) {
    // An update on a closed workflow is answered NOT_FOUND too: tell the two apart.
    let desc: WorkflowExecutionDescription;
    try {
      desc = await c.workflow.getHandle(id).describe();
    } catch (d) {
      if (d instanceof WorkflowNotFoundError) return new NotFoundError(`not found: no workflow ${id} in namespace ${cfg.namespace}`);
      return d as Error;
    }
    if (desc.status.name !== 'RUNNING') return new FailedError(`cannot ${verb}: the delivery has finished (${finishedAs(desc)})`);
    return new FailedError(`${verb}: ${e.message}`);
  }
  return e as Error;
}
export const finishedAs = (desc: WorkflowExecutionDescription): string => {
  const status = saValues(desc.searchAttributes, SA_NAMES.status)[0];
  return status ? `status ${status}, workflow ${desc.status.name}` : `status ${desc.status.name}`;
};

/** NOT_FOUND from the SDK (WorkflowNotFoundError) or from a raw service call (gRPC status 5) as a NotFoundError. */
export function notFoundOr(e: unknown, cfg: ServiceConfig, id: string): unknown {
  if (e instanceof WorkflowNotFoundError || (isGrpcServiceError(e) && Number(e.code) === GRPC_NOT_FOUND)) return new NotFoundError(`not found: no workflow ${id} in namespace ${cfg.namespace}`);
  return e;
}
export const GRPC_NOT_FOUND = 5; // grpc status NOT_FOUND

export async function describeOrNotFound(c: Client, cfg: ServiceConfig, id: string): Promise<WorkflowExecutionDescription> {
  return c.workflow.getHandle(id).describe().catch((e: unknown) => {
    throw notFoundOr(e, cfg, id);
  });
}

/** A delivery state for people: status line, then one line per channel; fields added later are shown as they are. */
export function stateText(s: DeliveryState | Record<string, unknown>): string {
  const st = s as Partial<DeliveryState> & Record<string, unknown>;
  const head = [`status    ${String(st.status)}`, st.rounds !== undefined ? `rounds ${String(st.rounds)}` : '', st.parkedAt ? `parked since ${st.parkedAt}` : '']
    .filter(Boolean).join('   ');
  const lines = [head];
  if (st.abandonReason) lines.push(`abandoned ${st.abandonReason}`);
  if (st.rejectReason) lines.push(`rejected  ${st.rejectReason}`);
  if (st.incident) lines.push(`incident  ${Object.entries(st.incident).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  if (st.resolvedBy) lines.push(`resolved  by ${st.resolvedBy}`);
  const known = new Set(['status', 'rounds', 'parkedAt', 'abandonReason', 'rejectReason', 'incident', 'resolvedBy', 'channels']);
  for (const [k, v] of Object.entries(st)) if (!known.has(k) && v !== undefined && v !== null) lines.push(`${k.padEnd(9)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const channels = Array.isArray(st.channels) ? st.channels : [];
  if (channels.length) lines.push('channels');
  for (const ch of channels) {
    lines.push(`  ${ch.channel.padEnd(14)} ${ch.status.padEnd(9)} ${ch.attempts} attempt(s)${ch.required ? '' : ', best effort'}` +
      `${ch.deliveredAt ? `, delivered ${ch.deliveredAt}` : ''}${ch.status === 'failed' && ch.lastError ? `, last error: ${ch.lastError}` : ''}`);
  }
  return lines.join('\n');
}

/** XADDs one event the way every producer does (field "event", JSON). */
export async function xadd(cfg: ServiceConfig, event: AlertEvent | Record<string, unknown>): Promise<{ messageId: string; workflowId: string }> {
  const redis = connectRedis(cfg.redis, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  // Connection errors are reported once, with the command's failure (not as ioredis' "Unhandled error event").
  let connectionError: Error | undefined;
  redis.on('error', (e: Error) => {
    connectionError = e;
  });
  try {
    const messageId = (await redis.xadd(cfg.stream, '*', 'event', JSON.stringify(event)))!;
    return { messageId, workflowId: workflowIdFor(cfg.stream, messageId) };
  } catch (e) {
    const why = connectionError && connectionError.message !== (e as Error).message ? `${connectionError.message} (${(e as Error).message})` : (e as Error).message;
    throw new FailedError(`cannot append to stream ${cfg.stream} at ${cfg.redis.describe}: ${why}`);
  } finally {
    redis.disconnect();
  }
}

export const issues = (error: { issues: { path: PropertyKey[]; message: string }[] }) => error.issues.map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`);
