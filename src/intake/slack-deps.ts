// The Slack interactivity endpoint's dependencies, made of what the intake already has (src/intake/service.ts):
// the Temporal client (acknowledge, the firing event), the stream writer (resolve), the silence store (silence),
// Redis (a resolve's and a silence's claim), the on-call file (who the presser is).
import type { Client } from '@temporalio/client';
import { request } from 'undici';
import { dispatcher } from '../channels/http';
import type { RedisClient } from '../connections/redis';
import { resolvedEventOf } from '../lifecycle/resolve-event';
import type { OnCallDirectory } from '../oncall/directory';
import type { SilenceStore } from '../storm/silences';
import { temporalAcknowledger } from './acknowledge';
import type { IntakeConfig } from './config';
import type { SlackInteractionDeps } from './slack-interactions';

/** A response_url post taking longer than this is given up (the action itself is done). */
const RESPOND_TIMEOUT_MS = 5_000;

export interface SlackDepsInput {
  intake: Pick<IntakeConfig, 'ackTimeoutMs' | 'slackResponseUrls'> & { slackSigningSecret: Buffer };
  client: Client;
  namespace: string;
  stream: string;
  writer: { add(entries: string[]): Promise<string[]> };
  silences: { store: SilenceStore; ensureIndex: () => Promise<void> };
  redis: RedisClient;
  oncall?: OnCallDirectory;
}

/** The person whose contact address is this Slack member ID (the on-call file in force). */
function personBySlackId(oncall: OnCallDirectory | undefined, id: string): string | undefined {
  for (const p of oncall?.current().people.values() ?? []) {
    if ([...p.contacts.values()].some((c) => c.address === id)) return p.id;
  }
  return undefined;
}

export function slackInteractionDeps({ intake, client, namespace, stream, writer, silences, redis, oncall }: SlackDepsInput): SlackInteractionDeps {
  return {
    signingSecret: intake.slackSigningSecret,
    responseUrls: intake.slackResponseUrls,
    acknowledge: temporalAcknowledger(client, intake.ackTimeoutMs),
    resolvedEvent: async (workflowId) => {
      const found = await resolvedEventOf(client, namespace, workflowId);
      if (found.ok && found.stream && found.stream !== stream) return { ok: false, problem: `the delivery came from stream ${found.stream}, this intake writes to ${stream}` };
      return found;
    },
    publish: async (event) => (await writer.add([JSON.stringify(event)]))[0] ?? '',
    addSilence: async (s) => {
      await silences.ensureIndex();
      return (await silences.store.add(s)).id;
    },
    claim: async (key, ttlS) => (await redis.set(`${stream}:${key}`, '1', 'EX', ttlS, 'NX')) === 'OK',
    release: async (key) => {
      await redis.del(`${stream}:${key}`);
    },
    personOf: (id) => personBySlackId(oncall, id),
    respond: async (url, body) => {
      const r = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: dispatcher(), headersTimeout: RESPOND_TIMEOUT_MS, bodyTimeout: RESPOND_TIMEOUT_MS });
      await r.body.dump();
      if (r.statusCode >= 300) throw new Error(`response_url answered HTTP ${r.statusCode}`);
    },
  };
}
