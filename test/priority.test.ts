// A delivery's priority and fairness keys (src/contracts/priority.ts), the order the ingest starts a batch in
// (src/stream-group.ts) and the DELIVERY_FAIRNESS setting.
import { SEVERITIES } from '../src/contracts/alert';
import { type FairnessBy, PRIORITY_KEYS, deliveryPriority, entryPriorityKey, fairnessKeyOf } from '../src/contracts/priority';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { type Entry, entriesBySeverity } from '../src/stream-group';

const event = { severity: 'high' as const, ruleId: 'disk-full', scope: 'db-1', view: 'prod', labels: { team: 'storage', env: 'prod' } };

it('a higher severity has a smaller (sooner) priority key, one key per severity, all within Temporal\'s 1–5', () => {
  expect(SEVERITIES.map((s) => PRIORITY_KEYS[s])).toEqual([1, 2, 3, 4, 5]);
});

it.each<[FairnessBy, string | undefined]>([
  ['rule', 'disk-full'],
  ['scope', 'db-1'],
  ['view', 'prod'],
  ['label:team', 'storage'],
  ['label:missing', undefined],
  ['none', undefined],
])('DELIVERY_FAIRNESS=%s: the fairness key is %s', (by, key) => {
  expect(fairnessKeyOf(event, by)).toBe(key);
  expect(deliveryPriority(event, by)).toEqual({ priorityKey: 2, ...(key ? { fairnessKey: key } : {}) });
});

it('a fairness key longer than 64 bytes is cut at a character boundary', () => {
  const key = fairnessKeyOf({ ...event, ruleId: `${'r'.repeat(63)}é-and-more` }, 'rule')!;
  expect(key).toBe('r'.repeat(63));
  expect(fairnessKeyOf({ ...event, ruleId: 'é'.repeat(40) }, 'rule')).toBe('é'.repeat(32));
});

it('an entry\'s priority key comes from its raw event; an unreadable one sorts after every severity', () => {
  expect(entryPriorityKey(JSON.stringify({ severity: 'critical' }))).toBe(1);
  expect(entryPriorityKey(JSON.stringify({ severity: 'info' }))).toBe(5);
  for (const raw of [undefined, 'not json', '"critical"', JSON.stringify({ severity: 'urgent' }), JSON.stringify({ severity: 1 })]) {
    expect(entryPriorityKey(raw)).toBe(6);
  }
});

it('a batch is started higher severities first, in stream order within one severity', () => {
  const entry = (id: string, severity?: string): Entry => [id, severity ? ['event', JSON.stringify({ severity }), 'event-note', 'x'] : ['other', 'event']];
  const batch = [entry('1-0', 'low'), entry('2-0', 'critical'), entry('3-0'), entry('4-0', 'low'), entry('5-0', 'high'), entry('6-0', 'critical'), [
    '7-0', null] as Entry];
  expect(entriesBySeverity(batch).map(([id]) => id)).toEqual(['2-0', '6-0', '5-0', '1-0', '4-0', '3-0', '7-0']);
});

it('DELIVERY_FAIRNESS: `rule` by default; a value that names no source stops start-up naming the variable', () => {
  expect(loadConfig('ingest', {}).fairnessBy).toBe('rule');
  expect(loadConfig('worker', { DELIVERY_FAIRNESS: 'label:team' }).fairnessBy).toBe('label:team');
  for (const bad of ['team', 'label:', 'label:a b', 'rules']) {
    expect(() => loadConfig('ingest', { DELIVERY_FAIRNESS: bad })).toThrow(ConfigError);
    expect(() => loadConfig('ingest', { DELIVERY_FAIRNESS: bad })).toThrow(/DELIVERY_FAIRNESS.*expected rule, scope, view, none or label:<name>/);
  }
});
