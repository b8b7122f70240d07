// The parser and the real index must agree: every AlertEvent the ingest accepts, OpenSearch stores.
// Generated values (dates, offsets, fractions, label keys and values, lengths, unicode) go to both the
// parser and a scratch index with the service's mapping; a value the parser lets through and the index
// refuses would become a delivery that can never be persisted. Seeded: STORE_AGREEMENT_SEED=n reproduces.
import type { Client } from '@opensearch-project/opensearch';
import { prng } from '../bench/prng';
import { parseEntry } from '../src/alert-event';
import { InvalidEntryError } from '../src/errors';
import { ALERT_MAPPING } from '../src/store';
import { cleanup, opensearch, uid } from './helpers/stack';

const SEED = Number(process.env.STORE_AGREEMENT_SEED ?? 20261123);
const CASES = 800;

const rnd = prng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A valid instant with one part (or none) pushed to or past the edge of what ISO-8601 parsers accept. */
function date(): string {
  const p = {
    year: pad(int(1, 9999), 4), month: pad(int(1, 12), 2), day: pad(int(1, 28), 2), sep: 'T',
    hour: pad(int(0, 23), 2), minute: pad(int(0, 59), 2), second: `:${pad(int(0, 59), 2)}`, fraction: '', zone: 'Z',
  };
  const offH = () => pad(pick([int(0, 14), int(15, 18), int(19, 25)]), 2);
  const offM = () => pad(pick([0, 30, 45, int(0, 59), 60]), 2);
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
  const edges: (() => void)[] = [
    () => undefined,
    () => (p.year = pick(['0000', '9999', `+${int(10000, 99999)}`, String(int(0, 999))])),
    () => (p.month = pad(pick([0, 13, int(1, 12)]), 2)),
    () => (p.day = pad(pick([29, 30, 31, 0, 32]), 2)),
    () => (p.hour = pad(pick([23, 24, 25]), 2)),
    () => (p.minute = pad(pick([59, 60]), 2)),
    () => (p.second = pick([':59', ':60', ':61', ''])),
    () => (p.fraction = pick(['.', `.${digits(int(1, 9))}`, `.${digits(int(9, 14))}`, `,${digits(int(1, 3))}`])),
    () => (p.zone = pick([`+${offH()}:${offM()}`, `-${offH()}:${offM()}`, `+${offH()}${offM()}`, `+${offH()}`, '-00:00', 'z', ''])),
    () => (p.sep = pick(['t', ' '])),
  ];
  pick(edges)();
  if (rnd() < 0.3) pick(edges)();
  return `${p.year}-${p.month}-${p.day}${p.sep}${p.hour}:${p.minute}${p.second}${p.fraction}${p.zone}`;
}

const ALPHABETS = ['abcxyz', 'ABC.-_ :/', 'é€ß', '𝒜🚨', '\u00a0\u2028', '\t\n', '"\\', '\ud800'];
function text(maxLen: number): string {
  const alphabet = [...pick(ALPHABETS) + pick(ALPHABETS)];
  const len = pick([0, 1, int(1, 32), int(maxLen - 4, maxLen + 4), int(1, maxLen * 2), maxLen * 40]);
  return Array.from({ length: Math.max(len, 0) }, () => pick(alphabet)).join('');
}

function base(i: number): Record<string, unknown> {
  return { alertId: `agree-${i}`, ruleId: 'rule-1', ruleName: 'Rule', severity: 'low', title: 'T', view: 'v', scope: 's', firedAt: '2026-11-23T00:00:00Z' };
}

/** One generated event: a valid one with one field (or a label) replaced by a generated value. */
function generate(i: number): Record<string, unknown> {
  const ev = base(i);
  switch (pick(['firedAt', 'firedAt', 'firedAt', 'labels', 'labels', 'keyword', 'title'])) {
    case 'firedAt':
      ev.firedAt = date();
      break;
    case 'labels':
      ev.labels = Object.fromEntries(Array.from({ length: int(1, 4) }, () => [text(128), text(1024)]));
      break;
    case 'keyword':
      ev[pick(['alertId', 'ruleId', 'ruleName', 'view', 'scope'])] = text(pick([256, 512]));
      break;
    default:
      ev.title = text(1024);
  }
  return ev;
}

/** Values the issue names, and the boundaries found by the generator, always included. */
const KNOWN: Record<string, unknown>[] = [
  '2026-11-23T00:00:00.1234567891Z', '2026-11-23T00:00:00.123456789Z', '2026-11-23T00:00:00+18:00', '2026-11-23T00:00:00+18:01',
  '2026-11-23T00:00:00-23:59', '2026-11-23T24:00:00Z', '2026-11-23T23:59:60Z', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '0000-01-01T00:00:00Z',
].map((firedAt, i) => ({ ...base(-i - 1), firedAt }));

let os: Client;
let index: string;

beforeAll(async () => {
  os = opensearch();
  index = uid('agreement');
  await os.indices.create({ index, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: ALERT_MAPPING } as never });
});
afterAll(async () => {
  await cleanup(undefined, os, [], [index]);
  await os.close();
});

it(`every generated AlertEvent the parser accepts, the real index stores (${CASES} values, seed ${SEED})`, async () => {
  const events = [...KNOWN, ...Array.from({ length: CASES }, (_, i) => generate(i))];
  const parsed = events.map((ev) => {
    try {
      return { ok: true as const, event: parseEntry(['event', JSON.stringify(ev)], { maxEventBytes: 1024 * 1024 }) };
    } catch (e) {
      if (!(e instanceof InvalidEntryError)) throw e;
      return { ok: false as const, reason: e.reason };
    }
  });
  // What the store gets: the parsed event where the parser accepted it, else the raw value it refused.
  const docs = events.map((ev, i) => { const p = parsed[i]; return p.ok ? p.event : ev; });
  const statuses: number[] = [];
  const reasons: string[] = [];
  for (let from = 0; from < docs.length; from += 200) {
    const chunk = docs.slice(from, from + 200);
    const res = await os.bulk({ body: chunk.flatMap((doc, j) => [{ index: { _index: index, _id: String(from + j) } }, doc]) as never });
    for (const item of (res.body as { items: { index: { status: number; error?: { reason?: string } } }[] }).items) {
      statuses.push(item.index.status);
      reasons.push(item.index.error?.reason ?? '');
    }
  }
  const storeRefused = statuses.map((s) => s >= 300);
  const acceptedButRefused = events.flatMap((ev, i) => (parsed[i].ok && storeRefused[i] ? [`${JSON.stringify(ev).slice(0, 160)} → ${reasons[i].slice(0, 120)}`] : []));
  const refusedCount = storeRefused.filter(Boolean).length;
  const parserRejected = parsed.filter((p) => !p.ok).length;
  process.stdout.write(`store agreement (seed ${SEED}): ${events.length} values, index refused ${refusedCount}, parser rejected ${parserRejected}, accepted-but-refused ${acceptedButRefused.length}\n`);

  expect(acceptedButRefused).toEqual([]);
  // The generator must actually reach the store-refused class, or this test proves nothing.
  expect(refusedCount).toBeGreaterThanOrEqual(100);
  // The values the issue names: the ten-digit fraction and the out-of-range offset are refused by both.
  expect(storeRefused[0]).toBe(true);
  expect(parsed[0].ok).toBe(false);
  expect(parsed[3]).toMatchObject({ ok: false, reason: expect.stringContaining('outside ±18:00') });
  expect(parsed[1].ok && parsed[2].ok && parsed[8].ok && parsed[9].ok).toBe(true);
});
