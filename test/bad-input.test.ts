// The bad-input suite, end to end: hostile and malformed stream entries go through the real ingest.
// Each is rejected with its reason recorded in OpenSearch and acked; the ingest and the worker keep
// running; the valid alerts published between them are delivered.
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(120_000);

const valid = alertEvent();
const withEvent = (over: Record<string, unknown>) => ['event', JSON.stringify({ ...valid, alertId: undefined, ...over, ...(over.alertId === undefined ? { alertId: `bad-${Math.random()}` } : {}) })];
let nest = '"x"';
for (let i = 0; i < 5000; i++) nest = `[${nest}]`;

/** [name, stream fields, expected reason] */
const HOSTILE: [string, string[], RegExp][] = [
  ['no event field', ['payload', '{}'], /no "event" field/],
  ['no fields but a stray one', ['x', ''], /no "event" field/],
  ['invalid JSON', ['event', '{"alertId": '], /not valid JSON/],
  ['JSON string', ['event', '"hello"'], /fails the AlertEvent schema/],
  ['JSON array', ['event', '[1,2,3]'], /fails the AlertEvent schema/],
  ['JSON null', ['event', 'null'], /fails the AlertEvent schema/],
  ['empty event', ['event', ''], /not valid JSON/],
  ['missing alertId', withEvent({ alertId: null }), /alertId/],
  ['missing title', withEvent({ title: undefined }), /title/],
  ['missing firedAt', withEvent({ firedAt: undefined }), /firedAt/],
  ['severity as number', withEvent({ severity: 3 }), /severity/],
  ['unknown severity', withEvent({ severity: 'urgent' }), /severity/],
  ['labels as array', withEvent({ labels: ['a'] }), /labels/],
  ['label value not a string', withEvent({ labels: { team: 7 } }), /labels\.team/],
  ['channels not an array', withEvent({ channels: 'ops' }), /channels/],
  ['empty ruleId', withEvent({ ruleId: '' }), /ruleId: must not be empty/],
  ['whitespace-only view', withEvent({ view: '   ' }), /view: must not be empty/],
  ['huge title', withEvent({ title: 'x'.repeat(5000) }), /title: Too big/],
  ['huge description', withEvent({ description: 'x'.repeat(20_000) }), /description: Too big/],
  ['payload over the limit', withEvent({ description: 'x'.repeat(300_000) }), /over the limit of 262144/],
  ['deep nesting', ['event', `{"alertId":"deep","description":${nest}}`], /fails the AlertEvent schema/],
  ['invalid date', withEvent({ firedAt: 'yesterday' }), /firedAt/],
  ['impossible date', withEvent({ firedAt: '2026-13-45T00:00:00Z' }), /firedAt/],
  ['date without zone', withEvent({ firedAt: '2026-11-23T01:00:00' }), /firedAt/],
  ['NUL in alertId', withEvent({ alertId: 'a\u0000b' }), /alertId: must not contain control characters/],
  ['ANSI escape in title', withEvent({ title: '\u001b[31mred' }), /title: must not contain control characters/],
  ['control char in label key', withEvent({ labels: { 'te\u0007am': 'x' } }), /labels/],
  ['65 labels', withEvent({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }), /at most 64 labels/],
  ['unknown channel name', withEvent({ channels: ['does-not-exist'] }), /unknown channel\(s\) "does-not-exist"/],
  ['prototype channel name', withEvent({ channels: ['constructor'] }), /unknown channel\(s\) "constructor"/],
  ['duplicate malformed entry (1)', ['event', '{broken'], /not valid JSON/],
  ['duplicate malformed entry (2)', ['event', '{broken'], /not valid JSON/],
  ['number as whole event', ['event', '42'], /fails the AlertEvent schema/],
];

describe('bad input through the real ingest', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it(`rejects ${HOSTILE.length} hostile entries visibly, acks them, and keeps delivering the valid ones around them`, async () => {
    const worker = await p.worker();
    const ingest = await p.ingest();
    const validIds: string[] = [];
    const rejected: [string, string, RegExp][] = [];
    for (const [name, fields, reason] of HOSTILE) {
      validIds.push(await p.publish(alertEvent({ alertId: `ok-before-${name}` })));
      rejected.push([name, await p.publishRaw(...fields), reason]);
    }
    // Template-injection strings and unicode are valid data: delivered verbatim.
    const verbatim = alertEvent({ title: '{{7*7}} ${process.env.HOME} <script>alert(1)</script> 🚨 مرحبا 警報', labels: { q: "'; DROP TABLE alerts; --" } });
    validIds.push(await p.publish(verbatim));

    for (const [name, id, reason] of rejected) {
      const doc = await p.waitFor(`rejected ${name}`, () => p.doc(id));
      expect({ name, status: doc.deliveryStatus, delivered: doc.delivered }).toEqual({ name, status: 'rejected', delivered: false });
      expect({ name, reason: doc.rejectReason }).toEqual({ name, reason: expect.stringMatching(reason) });
      expect(doc.raw.length).toBeLessThanOrEqual(8 * 1024 + 40);
    }
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === validIds.length, 60_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(validIds.map((id) => p.key(id)).sort());
    const got = p.receiver.posts.find((x) => x.key === p.key(validIds.at(-1)!))!.json.data;
    expect(got.title).toBe(verbatim.title);
    expect(got.labels).toEqual(verbatim.labels);
    await p.waitFor('nothing pending', async () => (await p.pending()) === 0);
    expect(ingest.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    process.stdout.write(`bad input: ${rejected.length} rejected with reasons, ${validIds.length} valid delivered, XPENDING 0\n`);
  });
});
