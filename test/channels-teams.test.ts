// The Microsoft Teams channel (a Workflows webhook, Alertmanager's msteamsv2 shape): every card it makes validates
// against Microsoft's Adaptive Card JSON schema (shipped in the adaptivecards-designer npm package, fetched by
// scripts/stack) with a JSON-schema validator, which also refuses a broken card; posted to a local Workflows-webhook
// stand-in that validates the same way and answers 202; alert content escaped so it makes no link; answers mapped to
// retry or permanent, the URL (the secret) in no error.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Ajv from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { parseChannelsFile } from '../src/channels/config';
import { TeamsChannel, escapeTeamsMarkdown, teamsMessage } from '../src/channels/teams';
import type { OutgoingAlert } from '../src/channels/types';
import type { AlertEvent } from '../src/contracts/alert';
import type { GroupNotice } from '../src/contracts/group';
import { PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { alertEvent } from './helpers/alerts';

const schemaFile = execFileSync(path.join(__dirname, '..', 'scripts', 'stack'), ['path', 'adaptive-card-schema']).toString().trim();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { adaptiveCardSchema } = require(schemaFile) as { adaptiveCardSchema: { id: string } };
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
// The schema declares draft-06 but names itself with draft-04's `id`; draft-06 (and Ajv) call it `$id`.
const { id, ...schema } = adaptiveCardSchema;
const validCard = ajv.compile({ $id: id, ...schema });
const cardErrors = (card: unknown): string[] => (validCard(card) ? [] : (validCard.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

const signal = new AbortController().signal;
const LINK_BASE = 'https://ui.example.test/alerts';
function outgoing(event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  return { channel: 'teams', deliveryId: 'alerts:1-0', messageId: '1-0', workflowId: 'alerts:1-0', receivedAt: '2026-01-15T10:20:31.123Z', event: alertEvent({ alertId: 'a-1', ...event }), ...over };
}
const card = (m: ReturnType<typeof teamsMessage>) => m.attachments[0].content as Record<string, any>;
const group: GroupNotice = {
  id: 'alerts:group:db:3f2a', route: 'db', labels: { cluster: 'eu-1' }, status: 'firing', sequence: 2, counts: { firing: 2, new: 1, resolved: 0 }, severity: 'high',
  alerts: [{ alertId: 'a-7', deliveryId: 'd7', workflowId: 'd7', status: 'firing', severity: 'high', title: 'Disk full on db-7', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00Z' }],
  listUrl: 'https://ui.example.test/list?q=1',
};

describe('the card, against the Adaptive Card schema', () => {
  it.each<[string, OutgoingAlert]>([
    ['a page, with its ack link', outgoing({ severity: 'critical', description: 'Free space below 3%' }, { ackUrl: 'https://intake.example.test/ack/tok.sig' })],
    ['its resolve', outgoing({}, { deliveryId: 'alerts:1-0:resolved', resolves: { deliveryId: 'alerts:1-0', workflowId: 'alerts:1-0' } })],
    ['a group notification', outgoing({}, { group, deliveryId: `${group.id}:2`, workflowId: group.id })],
  ])('%s validates', (_name, alert) => {
    expect(cardErrors(card(teamsMessage(alert, { linkBase: LINK_BASE })))).toEqual([]);
  });

  it('the validator refuses a broken card (it can fail)', () => {
    const broken = card(teamsMessage(outgoing(), {}));
    expect(cardErrors({ ...broken, version: undefined })).not.toEqual([]);
    expect(cardErrors({ ...broken, actions: [{ type: 'Action.OpenUrl', title: 'no url' }] })).not.toEqual([]);
  });

  it('a page: title coloured by severity, facts, Acknowledge before Open; the resolve in green without Acknowledge', () => {
    const page = card(teamsMessage(outgoing({ severity: 'critical', title: 'Disk full' }, { ackUrl: 'https://intake.example.test/ack/tok.sig' }), { linkBase: LINK_BASE }));
    expect(page.body[0]).toMatchObject({ type: 'TextBlock', text: '\\[critical\\] Disk full', color: 'attention' });
    expect(page.body.at(-1).facts.map((f: { title: string }) => f.title)).toEqual(['Severity', 'Rule', 'Where', 'Fired', 'Labels']);
    expect(page.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: 'https://intake.example.test/ack/tok.sig' },
      { type: 'Action.OpenUrl', title: 'Open the alert', url: `${LINK_BASE}/alerts%3A1-0` },
    ]);
    const resolved = card(teamsMessage(outgoing({}, { ackUrl: 'https://x.test/ack', resolves: { deliveryId: 'alerts:1-0', workflowId: 'alerts:1-0' } }), {}));
    expect(resolved.body[0]).toMatchObject({ color: 'good' });
    expect(resolved.body[0].text).toMatch(/^RESOLVED: /);
    expect(resolved.actions.map((a: { title: string }) => a.title)).toEqual(['Open the alert']);
  });

  it('alert content cannot make a link or emphasis: Markdown characters are escaped; the only links are the actions', () => {
    const c = card(teamsMessage(outgoing({ description: '[click me](https://evil.example) **now**' }), {}));
    expect(c.body[1].text).toBe('\\[click me\\]\\(https://evil\\.example\\) \\*\\*now\\*\\*');
    expect(escapeTeamsMarkdown('<at>x</at> # - 1. _a_')).toBe('&lt;at\\>x&lt;/at\\> \\# \\- 1\\. \\_a\\_');
    expect(JSON.stringify(c.actions)).not.toContain('evil');
  });
});

describe('posted to a Workflows webhook', () => {
  const answers: { status: number; retryAfter?: string }[] = [];
  const received: { path: string; body: any }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const a = answers.shift();
      // What the flow's trigger checks: a message with an Adaptive Card attachment that renders.
      const ok = body.type === 'message' && body.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive' && cardErrors(body.attachments[0].content).length === 0;
      if (!ok) return res.writeHead(400).end(`bad card posted to ${req.url}`);
      received.push({ path: req.url!, body });
      // like a proxy's error page, the forced errors echo the path (the flow's signature is in its query)
      res.writeHead(a?.status ?? 202, a?.retryAfter ? { 'retry-after': a.retryAfter } : {}).end(a ? `error for ${req.url}` : '');
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workflows/7f3a/triggers/manual/paths/invoke?api-version=1&sig=SECRETSIGNATURE123`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const channel = () => new TeamsChannel({ name: 'ops-teams', url, timeoutMs: 2_000, linkBase: LINK_BASE });

  it('202: delivered; the stand-in saw a valid card', async () => {
    expect(await channel().send(outgoing({ severity: 'high' }), signal)).toBe('HTTP 202');
    expect(received.at(-1)!.body.attachments[0].content.type).toBe('AdaptiveCard');
  });

  it.each<[string, { status: number; retryAfter?: string }, typeof PermanentDeliveryError | typeof TransientDeliveryError]>([
    ['429 with Retry-After: retried', { status: 429, retryAfter: '3' }, TransientDeliveryError],
    ['a 502: retried', { status: 502 }, TransientDeliveryError],
    ['a 404 (the flow is gone): permanent', { status: 404 }, PermanentDeliveryError],
  ])('%s, the URL in no error', async (_name, answer, type) => {
    answers.push(answer);
    const err = await channel().send(outgoing(), signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(new RegExp(`^teams "ops-teams": HTTP ${answer.status}`));
    expect((err as Error).message).not.toMatch(/SECRETSIGNATURE123|7f3a/);
  });

  it('a person\'s contact is refused: a workflow posts to its channel, not to a person', async () => {
    const err = await channel().send(outgoing({}, { recipient: { person: 'alice', address: 'x' } }), signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect((err as Error).message).toBe('teams "ops-teams" (person "alice"): channel type teams cannot reach a person');
  });

  it('the channels file takes a teams channel with its URL from the environment', () => {
    const file = parseChannelsFile('channels:\n  ops-teams: { type: teams, url: "${TEAMS_URL}" }\nroutes:\n  - channels: [ops-teams]\n', 'channels.yaml', { TEAMS_URL: url });
    expect(file.channels['ops-teams']).toMatchObject({ type: 'teams', url });
  });
});
