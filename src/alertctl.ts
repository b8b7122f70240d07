// alertctl: the on-call operator's tool. Every command has --help and --json.
//   publish   XADD an alert (from flags or a JSON file)
//   status    an alert's delivery state (workflow query + search attributes); alias: show
//   list      alerts by delivery status / age (Temporal visibility)
//   ack       acknowledge an incident: a human has it (the workflow's `acknowledge` update)
//   resolve   publish the resolved event of a delivery's incident
//   retry     re-run the failed channels of one parked alert, or of all of them
//   abandon   stop trying, with a reason
//   history   export a workflow history as JSON (the replay-test format)
//   index-template  print or install the OpenSearch index template of rollover mode
// Exit codes: 0 ok, 1 not found / failed / rejected, 2 usage (unknown command or flag, bad value, missing argument).
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  Client, Connection, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError, type WorkflowExecutionDescription,
} from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { alertEventSchema } from './alert-event';
import { loadConfig, type ServiceConfig } from './config';
import { parseDuration } from './duration';
import { ConfigError } from './errors';
import { indexTemplate, installIndexTemplate } from './store/rollover';
import { opensearchClient } from './connections/opensearch';
import { connectRedis } from './connections/redis';
import {
  SEVERITIES, WORKFLOW_TYPE, abandonUpdate, acknowledgeUpdate, retryUpdate, statusQuery, workflowIdFor,
  type AlertEvent, type DeliveryRequest, type DeliveryState,
} from './shared';

/** Exit 2: the command line is wrong (unknown flag, bad value, missing argument). Printed as one line plus a usage hint. */
class UsageError extends Error {
  override name = 'UsageError';
}
/** Exit 1: the thing asked for does not exist. */
class NotFoundError extends Error {
  override name = 'NotFoundError';
}
/** Exit 1: the command ran and failed, or was refused (by the workflow, Temporal, Redis …). */
class FailedError extends Error {
  override name = 'FailedError';
}

type Opts = Record<string, string | boolean | string[] | undefined>;
/** What a command prints: `text` for people, `json` (one document) with --json. */
interface Output {
  text: string;
  json: unknown;
  /** Set when part of the work failed (e.g. some of `retry --all-failed`): the output is printed, then exit 1 with this error. */
  failed?: string;
}
interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  /** How many positional arguments the command takes at most. */
  positionals: number;
  run(cfg: ServiceConfig, args: string[], o: Opts): Promise<Output>;
}

const uiUrl = (cfg: ServiceConfig, wid: string) =>
  `${process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233'}/namespaces/${cfg.namespace}/workflows/${encodeURIComponent(wid)}`;
const causeOf = (e: unknown): string | undefined => {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error ? cause.message : undefined;
};

async function temporal<T>(cfg: ServiceConfig, fn: (c: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ ...cfg.temporal.connection, connectTimeout: 5_000 }).catch((e: Error) => {
    const cause = causeOf(e) ? `: ${causeOf(e)}` : '';
    throw new ConfigError(`cannot reach Temporal at ${cfg.temporal.describe}: ${e.message}${cause}`);
  });
  try {
    return await fn(new Client({ connection, namespace: cfg.namespace }));
  } finally {
    await connection.close();
  }
}

/** Accepts a stream message ID (`1712345678901-0`) or a full workflow ID (`alerts:1712345678901-0`). */
function wid(cfg: ServiceConfig, id: string | undefined): string {
  if (!id) throw new UsageError('an alert ID is needed (stream message ID or workflow ID)');
  return id.includes(':') ? id : workflowIdFor(cfg.stream, id);
}

function durationFlag(o: Opts, name: string, def: string): number {
  const raw = o[name] === undefined ? def : String(o[name]);
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${name} ${raw}: expected a duration such as 30s, 5m, 1h`);
  return ms;
}

/** A value that goes into a visibility query: quotes and backslashes would break out of the string. */
function queryValue(name: string, v: unknown): string {
  const s = String(v);
  if (!s || /["\\]/.test(s)) throw new UsageError(`--${name} ${JSON.stringify(s)}: must be non-empty, without quotes or backslashes`);
  return s;
}

const SA_NAMES = { status: 'AlertDeliveryStatus', severity: 'AlertSeverity', rule: 'AlertRuleId', failed: 'AlertFailedChannels' } as const;
const saValues = (sa: unknown, name: string): string[] => {
  const v = (sa as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(v) ? v.map(String) : [];
};

/**
 * Why an update (acknowledge, retry, abandon) did not happen, as an error with the right exit code:
 * refused by the workflow (its validator, or no handler for it), no such workflow, the delivery has
 * finished, or no answer in time.
 */
async function updateError(c: Client, cfg: ServiceConfig, id: string, verb: string, e: unknown, timeoutMs?: number): Promise<Error> {
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
const finishedAs = (desc: WorkflowExecutionDescription): string => {
  const status = saValues(desc.searchAttributes, SA_NAMES.status)[0];
  return status ? `status ${status}, workflow ${desc.status.name}` : `status ${desc.status.name}`;
};

/** NOT_FOUND from the SDK (WorkflowNotFoundError) or from a raw service call (gRPC status 5) as a NotFoundError. */
function notFoundOr(e: unknown, cfg: ServiceConfig, id: string): unknown {
  if (e instanceof WorkflowNotFoundError || (isGrpcServiceError(e) && Number(e.code) === GRPC_NOT_FOUND)) return new NotFoundError(`not found: no workflow ${id} in namespace ${cfg.namespace}`);
  return e;
}
const GRPC_NOT_FOUND = 5; // grpc status NOT_FOUND

async function describeOrNotFound(c: Client, cfg: ServiceConfig, id: string): Promise<WorkflowExecutionDescription> {
  return c.workflow.getHandle(id).describe().catch((e: unknown) => {
    throw notFoundOr(e, cfg, id);
  });
}

/** A delivery state for people: status line, then one line per channel; fields added later are shown as they are. */
function stateText(s: DeliveryState | Record<string, unknown>): string {
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
async function xadd(cfg: ServiceConfig, event: AlertEvent | Record<string, unknown>): Promise<{ messageId: string; workflowId: string }> {
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

const issues = (error: { issues: { path: PropertyKey[]; message: string }[] }) => error.issues.map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`);

const commands: Record<string, Command> = {
  publish: {
    summary: 'append an alert to the stream',
    usage: `alertctl publish [--severity critical|high|medium|low|info] [--title T] [--rule-id R] [--rule-name N]
                 [--view V] [--scope S] [--label k=v ...] [--channel NAME ...] [--description D]
                 [--alert-id ID] [--file event.json] [--json]
  Appends one AlertEvent to the stream (field "event") and prints its message ID and workflow ID.
  With --file, the JSON file is the event and flags override its fields.
  --json: {"messageId", "stream", "workflowId", "ui", "event"}`,
    options: {
      severity: { type: 'string' }, title: { type: 'string' }, 'rule-id': { type: 'string' }, 'rule-name': { type: 'string' },
      view: { type: 'string' }, scope: { type: 'string' }, label: { type: 'string', multiple: true }, channel: { type: 'string', multiple: true },
      description: { type: 'string' }, 'alert-id': { type: 'string' }, file: { type: 'string' },
    },
    positionals: 0,
    async run(cfg, _args, o) {
      let base: Record<string, unknown> = {};
      if (o.file) {
        let raw: string;
        try {
          raw = fs.readFileSync(String(o.file), 'utf8');
        } catch (e) {
          throw new UsageError(`--file ${String(o.file)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
        try {
          base = JSON.parse(raw) as Record<string, unknown>;
        } catch (e) {
          throw new UsageError(`--file ${String(o.file)}: not JSON (${(e as Error).message})`);
        }
        if (!base || typeof base !== 'object' || Array.isArray(base)) throw new UsageError(`--file ${String(o.file)}: expected a JSON object (an AlertEvent)`);
      }
      const labelArgs = (o.label as string[] | undefined) ?? [];
      for (const kv of labelArgs) if (!/^[^=]+=/.test(kv)) throw new UsageError(`--label ${kv}: expected key=value`);
      const labels: Record<string, string> = Object.fromEntries(labelArgs.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
      const event = {
        alertId: randomUUID(), ruleId: 'manual', ruleName: 'Published with alertctl', severity: 'info', title: 'Test alert from alertctl',
        view: 'default', scope: 'default', firedAt: new Date().toISOString(),
        ...base,
        ...(o['alert-id'] ? { alertId: o['alert-id'] } : {}), ...(o.severity ? { severity: o.severity } : {}), ...(o.title ? { title: o.title } : {}),
        ...(o['rule-id'] ? { ruleId: o['rule-id'] } : {}), ...(o['rule-name'] ? { ruleName: o['rule-name'] } : {}),
        ...(o.view ? { view: o.view } : {}), ...(o.scope ? { scope: o.scope } : {}), ...(o.description ? { description: o.description } : {}),
        ...(Object.keys(labels).length ? { labels } : {}), ...(o.channel ? { channels: o.channel } : {}),
      };
      const check = alertEventSchema.safeParse(event);
      if (!check.success) throw new UsageError(`not a valid AlertEvent: ${issues(check.error).join('; ')}`);
      const { messageId, workflowId } = await xadd(cfg, event);
      return {
        text: `published ${messageId} to stream ${cfg.stream}\nworkflow  ${workflowId}\nUI        ${uiUrl(cfg, workflowId)}`,
        json: { messageId, stream: cfg.stream, workflowId, ui: uiUrl(cfg, workflowId), event },
      };
    },
  },
  status: {
    summary: "an alert's delivery state (alias: show)",
    usage: `alertctl status <message ID | workflow ID> [--json]     (or: alertctl show …)
  Prints the delivery state: status, per-channel results, search attributes.
  --json: {"workflowId", "runId", "execution", "startTime", "closeTime", "searchAttributes", "state", "ui"}
  ("state" is {"unavailable": reason} when no worker answers the status query within 10 s)`,
    options: {},
    positionals: 1,
    async run(cfg, args) {
      const id = wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const desc = await describeOrNotFound(c, cfg, id);
        const state: DeliveryState | { unavailable: string } = await c
          .withDeadline(Date.now() + 10_000, () => c.workflow.getHandle(id).query(statusQuery))
          .catch((e: Error) => ({ unavailable: e.message }));
        const sa = desc.searchAttributes;
        const json = {
          workflowId: id, runId: desc.runId, execution: desc.status.name, startTime: desc.startTime.toISOString(), closeTime: desc.closeTime?.toISOString() ?? null,
          searchAttributes: sa, state, ui: uiUrl(cfg, id),
        };
        const text = [
          `workflow  ${id}   (${desc.status.name}, started ${json.startTime}${json.closeTime ? `, closed ${json.closeTime}` : ''})`,
          `alert     severity ${saValues(sa, SA_NAMES.severity)[0] ?? '-'}   rule ${saValues(sa, SA_NAMES.rule)[0] ?? '-'}`,
          'unavailable' in state ? `status    ${saValues(sa, SA_NAMES.status)[0] ?? '-'} (from search attributes; the status query failed: ${state.unavailable})` : stateText(state),
          `UI        ${json.ui}`,
        ].join('\n');
        return { text, json };
      });
    },
  },
  list: {
    summary: 'alerts by delivery status, severity, rule, age',
    usage: `alertctl list [--status pending|delivered|failed|abandoned|rejected|…] [--since 1h] [--severity S] [--rule R] [--limit 100] [--json]
  Lists alert deliveries from Temporal visibility (the same query the Web UI runs).
  --json: {"query", "count", "alerts": [{"workflowId", "runId", "status", "severity", "ruleId", "failedChannels", "execution", "startTime", "closeTime"}]}`,
    options: { status: { type: 'string' }, since: { type: 'string' }, severity: { type: 'string' }, rule: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    async run(cfg, _args, o) {
      const clauses = [`WorkflowType = "${WORKFLOW_TYPE}"`];
      if (o.status) clauses.push(`${SA_NAMES.status} = "${queryValue('status', o.status)}"`);
      if (o.severity) {
        if (!(SEVERITIES as readonly string[]).includes(String(o.severity))) throw new UsageError(`--severity ${String(o.severity)}: expected one of ${SEVERITIES.join(', ')}`);
        clauses.push(`${SA_NAMES.severity} = "${String(o.severity)}"`);
      }
      if (o.rule) clauses.push(`${SA_NAMES.rule} = "${queryValue('rule', o.rule)}"`);
      if (o.since) {
        const ms = parseDuration(String(o.since));
        if (ms === undefined) throw new UsageError(`--since ${String(o.since)}: expected a duration such as 30m, 1h, 7d`);
        clauses.push(`StartTime > "${new Date(Date.now() - ms).toISOString()}"`);
      }
      const query = clauses.join(' AND ');
      const limit = Number(o.limit ?? 100);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${String(o.limit)}: expected a whole number of 1 or more`);
      return temporal(cfg, async (c) => {
        const alerts = [];
        for await (const wf of c.workflow.list({ query })) {
          const sa = wf.searchAttributes;
          alerts.push({
            workflowId: wf.workflowId, runId: wf.runId, status: saValues(sa, SA_NAMES.status)[0] ?? null, severity: saValues(sa, SA_NAMES.severity)[0] ?? null,
            ruleId: saValues(sa, SA_NAMES.rule)[0] ?? null, failedChannels: saValues(sa, SA_NAMES.failed), execution: wf.status.name,
            startTime: wf.startTime.toISOString(), closeTime: wf.closeTime?.toISOString() ?? null,
          });
          if (alerts.length >= limit) break;
        }
        const rows = alerts.map((a) => [a.workflowId, a.status ?? '-', a.severity ?? '-', a.ruleId ?? '-', a.failedChannels.join(',') || '-', a.startTime].join('\t'));
        return { text: [`# ${query}`, ...rows, `# ${alerts.length} alert(s)`].join('\n'), json: { query, count: alerts.length, alerts } };
      });
    },
  },
  ack: {
    summary: 'acknowledge an incident: a human has it (escalation stops)',
    usage: `alertctl ack <message ID | workflow ID> --by NAME [--note TEXT] [--timeout 30s] [--json]
  Sends the workflow's "acknowledge" update with {by, via: "alertctl", note} and prints the state it answers.
  Exit 1 when there is no such workflow, the delivery has finished, the workflow refuses the acknowledgement
  (already acknowledged or resolved, or a workflow that does not know "acknowledge"), or no worker answers in time.
  --json: {"workflowId", "acknowledged": {"by", "via", "note"}, "state"}`,
    options: { by: { type: 'string' }, note: { type: 'string' }, timeout: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      const by = typeof o.by === 'string' ? o.by.trim() : '';
      if (!by) throw new UsageError('--by NAME is required (who takes the incident)');
      const timeoutMs = durationFlag(o, 'timeout', '30s');
      const input = { by, via: 'alertctl', ...(typeof o.note === 'string' && o.note ? { note: o.note } : {}) };
      return temporal(cfg, async (c) => {
        let state: DeliveryState;
        try {
          state = await c.withDeadline(Date.now() + timeoutMs, () => c.workflow.getHandle(id).executeUpdate(acknowledgeUpdate, { args: [input] }));
        } catch (e) {
          throw await updateError(c, cfg, id, 'acknowledge', e, timeoutMs);
        }
        return { text: `acknowledged ${id} by ${by}${input.note ? ` (${input.note})` : ''}\n${stateText(state)}`, json: { workflowId: id, acknowledged: input, state } };
      });
    },
  },
  resolve: {
    summary: "publish the resolved event of a delivery's incident",
    usage: `alertctl resolve <message ID | workflow ID> [--json]
  Takes the firing delivery's AlertEvent from its workflow input, sets "status": "resolved" (alertId, firedAt and
  every other field kept) and appends it to the stream like publish. That event then travels the normal pipeline:
  its own delivery workflow resolves the incident on every channel that was notified.
  Exit 1 when there is no such workflow, it is not an alert delivery, or its event is itself a resolved one.
  --json: {"messageId", "stream", "workflowId", "ui", "resolves", "alertId", "event"}`,
    options: {},
    positionals: 1,
    async run(cfg, args) {
      const id = wid(cfg, args[0]);
      const req = await temporal(cfg, async (c) => {
        // The first event is enough: the latest run's start, whose first argument is the DeliveryRequest
        // (a parked delivery that continued as new passes it on unchanged).
        const history = await c.workflowService
          .getWorkflowExecutionHistory({ namespace: cfg.namespace, execution: { workflowId: id }, maximumPageSize: 1 })
          .catch((e: unknown) => {
            throw notFoundOr(e, cfg, id);
          });
        const started = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
        if (!started) throw new FailedError(`${id}: its history does not start with the workflow's input`);
        if (started.workflowType?.name !== WORKFLOW_TYPE) throw new FailedError(`${id} is a ${started.workflowType?.name ?? 'unknown'} workflow, not an alert delivery (${WORKFLOW_TYPE})`);
        const payload = started.input?.payloads?.[0];
        if (!payload) throw new FailedError(`${id}: the workflow was started without input`);
        // The client's converter is the default one (this service sets none); the payload is JSON.
        return c.options.loadedDataConverter.payloadConverter.fromPayload<DeliveryRequest | undefined>(payload);
      });
      const firing = req?.event;
      if (!firing || typeof firing !== 'object') throw new FailedError(`${id}: its input carries no alert event`);
      if (firing.status === 'resolved') throw new FailedError(`cannot resolve: ${id} is the delivery of a resolved event (alert ${firing.alertId}); resolve the firing delivery instead`);
      if (req.stream && req.stream !== cfg.stream) {
        throw new FailedError(`cannot resolve: ${id} came from stream ${req.stream}, but ALERT_STREAM is ${cfg.stream}: set ALERT_STREAM=${req.stream}`);
      }
      const event = { ...firing, status: 'resolved' as const };
      const check = alertEventSchema.safeParse(event);
      if (!check.success) throw new FailedError(`cannot resolve: the delivery's event is not a valid AlertEvent: ${issues(check.error).join('; ')}`);
      const { messageId, workflowId } = await xadd(cfg, event);
      return {
        text: `published ${messageId} to stream ${cfg.stream}: incident ${event.alertId} resolved (firing delivery ${id})\nworkflow  ${workflowId}\nUI        ${uiUrl(cfg, workflowId)}`,
        json: { messageId, stream: cfg.stream, workflowId, ui: uiUrl(cfg, workflowId), resolves: id, alertId: event.alertId, event },
      };
    },
  },
  retry: {
    summary: 're-run the failed channels of one parked alert, or of all',
    usage: `alertctl retry <message ID | workflow ID> | --all-failed [--json]
  Re-runs the failed channels now and prints the new result. Exit 1 if any alert was not retried.
  --json: {"results": [{"workflowId", "retried": true, "state"} | {"workflowId", "retried": false, "error"}]}`,
    options: { 'all-failed': { type: 'boolean' } },
    positionals: 1,
    async run(cfg, args, o) {
      if (o['all-failed'] && args.length) throw new UsageError('give either an alert ID or --all-failed, not both');
      const single = o['all-failed'] ? undefined : wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const ids: string[] = [];
        if (single) ids.push(single);
        else {
          const query = `WorkflowType = "${WORKFLOW_TYPE}" AND ${SA_NAMES.status} = "failed" AND ExecutionStatus = "Running"`;
          for await (const wf of c.workflow.list({ query })) ids.push(wf.workflowId);
        }
        const results: ({ workflowId: string; retried: true; state: DeliveryState } | { workflowId: string; retried: false; error: string })[] = [];
        for (const id of ids) {
          try {
            results.push({ workflowId: id, retried: true, state: await c.workflow.getHandle(id).executeUpdate(retryUpdate) });
          } catch (e) {
            const err = await updateError(c, cfg, id, 'retry', e);
            if (single) throw err;
            results.push({ workflowId: id, retried: false, error: err.message });
          }
        }
        const lines = results.map((r) => (r.retried ? `${r.workflowId}\t${r.state.status}\t${r.state.channels.map((ch) => `${ch.channel}=${ch.status}`).join(' ')}` : `${r.workflowId}\tnot retried: ${r.error}`));
        if (!single) lines.push(`# ${ids.length} failed alert(s) retried`);
        const notRetried = results.filter((r) => !r.retried).length;
        return { text: lines.join('\n'), json: { results }, ...(notRetried ? { failed: `${notRetried} of ${results.length} alert(s) not retried` } : {}) };
      });
    },
  },
  abandon: {
    summary: 'stop trying, with a reason',
    usage: `alertctl abandon <message ID | workflow ID> --reason "why" [--json]
  Stops trying; the alert ends as abandoned with the reason.
  --json: {"workflowId", "state"}`,
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      if (!o.reason) throw new UsageError('--reason "why" is required');
      return temporal(cfg, async (c) => {
        let s: DeliveryState;
        try {
          s = await c.workflow.getHandle(id).executeUpdate(abandonUpdate, { args: [String(o.reason)] });
        } catch (e) {
          throw await updateError(c, cfg, id, 'abandon', e);
        }
        return { text: `${id}\t${s.status}\t${s.abandonReason ?? ''}`, json: { workflowId: id, state: s } };
      });
    },
  },
  history: {
    summary: 'export a workflow history as JSON (replay-test format)',
    usage: `alertctl history <message ID | workflow ID> [--out file.json] [--json]
  Exports the workflow history as JSON (the format of test/histories), to stdout or --out.
  --json: the history itself; with --out, {"workflowId", "out", "events"}`,
    options: { out: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const history = await c.workflow.getHandle(id).fetchHistory().catch((e: unknown) => {
          throw notFoundOr(e, cfg, id);
        });
        const json = historyToJSON(history);
        if (!o.out) return { text: json, json: JSON.parse(json) as unknown };
        try {
          fs.writeFileSync(String(o.out), json);
        } catch (e) {
          throw new FailedError(`cannot write ${String(o.out)}: ${(e as Error).message}`);
        }
        return { text: `wrote ${String(o.out)}`, json: { workflowId: id, out: String(o.out), events: history.events?.length ?? 0 } };
      });
    },
  },
  'index-template': {
    summary: 'print or install the OpenSearch index template (rollover mode)',
    usage: `alertctl index-template [--install] [--priority 100] [--ism] [--json]
  Prints the body of PUT /_index_template/<ALERT_INDEX>: every index "<ALERT_INDEX>-*" gets this service's
  strict mapping and OPENSEARCH_INDEX_SHARDS/_REPLICAS. --install puts it through OPENSEARCH_URL (with the
  OPENSEARCH_* credentials; needs the right to manage index templates). --ism adds the setting ISM's rollover
  action needs (plugins.index_state_management.rollover_alias; accepted only where ISM is installed).
  With OPENSEARCH_INDEX_ROLLOVER=true the service creates <ALERT_INDEX>-000001 behind the write alias
  <ALERT_INDEX> at start-up, and refuses to start while the template would make the next index differently.
  --json: the template body; with --install, {"installed", "indexPatterns", "at"}`,
    options: { install: { type: 'boolean' }, priority: { type: 'string' }, ism: { type: 'boolean' } },
    positionals: 0,
    async run(cfg, _args, o) {
      const priority = o.priority === undefined ? 100 : Number(o.priority);
      if (!Number.isInteger(priority) || priority < 0) throw new UsageError(`--priority ${String(o.priority)}: expected a whole number`);
      const body = indexTemplate(cfg.index, cfg.opensearch.index, { priority, ism: o.ism === true });
      if (!o.install) return { text: JSON.stringify(body, null, 2), json: body };
      const client = opensearchClient(cfg.opensearch);
      try {
        await installIndexTemplate(client, cfg.index, body);
      } catch (e) {
        throw new FailedError(`cannot install the index template "${cfg.index}" at ${cfg.opensearch.describe}: ${(e as Error).message}`);
      } finally {
        await client.close();
      }
      return {
        text: `installed index template "${cfg.index}" for indices "${cfg.index}-*" at ${cfg.opensearch.describe}`,
        json: { installed: cfg.index, indexPatterns: [`${cfg.index}-*`], at: cfg.opensearch.describe },
      };
    },
  },
};
const ALIASES: Record<string, string> = { show: 'status' };

/** Every command reaches Temporal like the `temporal` CLI (temporal.toml profiles, TEMPORAL_* variables); these flags win. */
const COMMON_OPTIONS = {
  address: { type: 'string' }, namespace: { type: 'string' }, profile: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;
const CONNECTION_HELP = `every command: [--json] [--address host:port] [--namespace NS] [--profile NAME]
  --json: one JSON document on stdout; an error is {"error": "…", "code": N} on stderr
  connection otherwise as the temporal CLI: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS_*,
  TEMPORAL_PROFILE and the profiles in temporal.toml (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)
exit codes: 0 ok, 1 not found / failed / refused, 2 usage (unknown command or flag, bad value, missing argument)`;

const HELP = `alertctl <command> [options]   (each command has --help)

commands:
${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`).join('\n')}

${CONNECTION_HELP}
environment: REDIS_URL, ALERT_STREAM, TEMPORAL_UI_URL; index-template: OPENSEARCH_*, ALERT_INDEX
severities: ${SEVERITIES.join(', ')}`;

/** Set as soon as the command line is seen, so that even an error parsing it is reported as JSON. */
let jsonMode = false;
/** The command being run, for the usage hint of a usage error. */
let current: { name: string; cmd: Command } | undefined;

function print(o: Output): void {
  process.stdout.write(`${jsonMode ? JSON.stringify(o.json, null, 2) : o.text}\n`);
}

async function main(argv: string[]): Promise<number> {
  jsonMode = argv.includes('--json');
  // `alertctl --json list` as well as `alertctl list --json`
  const [first, ...rest] = argv[0] === '--json' ? argv.slice(1) : argv;
  const name = first === undefined ? undefined : (ALIASES[first] ?? first);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print({ text: HELP, json: { usage: HELP, commands: Object.keys(commands) } });
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) throw new UsageError(name.startsWith('-') ? `a command comes first, not the option ${name}` : `unknown command "${name}"`);
  current = { name, cmd };
  const { values, positionals } = parseArgs({ args: rest, options: { ...cmd.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  if (values.help) {
    const usage = `${cmd.usage}\n\n${CONNECTION_HELP}`;
    print({ text: usage, json: { command: name, usage } });
    return 0;
  }
  if (positionals.length > cmd.positionals) throw new UsageError(`unexpected argument "${positionals[cmd.positionals]}"`);
  const overrides = { address: values.address, namespace: values.namespace, profile: values.profile };
  const output = await cmd.run(loadConfig('tool', process.env, overrides), positionals, values);
  print(output);
  if (output.failed) {
    report(1, output.failed);
    return 1;
  }
  return 0;
}

function report(code: number, message: string, extra: Record<string, unknown> = {}): void {
  if (jsonMode) process.stderr.write(`${JSON.stringify({ error: message, code, ...extra })}\n`);
  else process.stderr.write(`alertctl${current ? ` ${current.name}` : ''}: ${message}\n`);
}

/** parseArgs' own errors (unknown option, missing value …) are usage errors. */
function parseArgsMessage(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const msg = (e as Error).message;
  const unknown = /^Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option ${unknown[1]}`;
  const unexpected = /^Unexpected argument '([^']+)'/.exec(msg);
  if (unexpected) return `unexpected argument "${unexpected[1]}"`;
  const option = /^Option '(-[^' ]+)[^']*' (argument missing|argument is ambiguous|does not take an argument)/.exec(msg);
  if (option?.[2] === 'argument missing') return `${option[1]} needs a value`;
  if (option?.[2] === 'argument is ambiguous') return `${option[1]} needs a value (one that starts with a dash goes as ${option[1]}=-…)`;
  if (option) return `${option[1]} takes no value`;
  return msg.split('\n')[0].replace(/\.$/, '');
}

/** Errors of the Temporal and Redis clients that need no stack trace: the message says what happened. */
const EXPECTED = /^(ServiceError|WorkflowFailedError|QueryNotRegisteredError|WorkflowUpdate\w*Error|TransportError|ConnectionTimeoutError|MaxRetriesPerRequestError|ReplyError|ResponseError|ConnectionError)$/;

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // e.g. `alertctl list | head`
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    const usage = e instanceof UsageError ? e.message : parseArgsMessage(e);
    if (usage !== undefined) {
      const hint = current ? `usage: ${current.cmd.usage.split('\n')[0].trim()}   (alertctl ${current.name} --help)` : 'see: alertctl --help';
      if (jsonMode) report(2, usage, { usage: hint });
      else process.stderr.write(`alertctl${current ? ` ${current.name}` : ''}: ${usage}\n${hint}\n`);
      process.exit(2);
    }
    const plain = e instanceof NotFoundError || e instanceof FailedError || e instanceof ConfigError || e instanceof WorkflowNotFoundError ||
      e instanceof NamespaceNotFoundError || isGrpcServiceError(e) || EXPECTED.test(e.name);
    const detail = causeOf(e) && !e.message.includes(causeOf(e)!) ? ` (${causeOf(e)})` : '';
    const debug = process.env.ALERTCTL_DEBUG === '1' || process.env.ALERTCTL_DEBUG === 'true';
    report(1, `${e.message}${detail}${!plain && !debug ? ' (ALERTCTL_DEBUG=1 shows the stack trace)' : ''}`, debug ? { stack: e.stack } : {});
    if (debug && !jsonMode) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
