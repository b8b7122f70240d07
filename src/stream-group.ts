// The stream's consumer group as the ingest sees it: creating it, its state for the metrics, the entries it reads.
import type { RedisClient } from './connections/redis';
import { entryPriorityKey } from './contracts/priority';

/** A stream entry as XREADGROUP returns it: its ID and its fields, flat (`[name, value, …]`; null once deleted). */
export type Entry = [id: string, fields: string[] | null];

/** Creates the consumer group from the start of the stream (a backlog is delivered); an existing group is fine. */
export async function ensureGroup(redis: RedisClient, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (e) {
    if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
  }
}

/** The group's pending entries (XPENDING) and lag (XINFO GROUPS, Redis 7+). */
export async function readStreamState(redis: RedisClient, stream: string, group: string): Promise<{ pending: number; lag: number }> {
  const pending = Number(((await redis.xpending(stream, group)) as [number])[0]);
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  let lag = 0;
  for (const g of groups) {
    const m = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) m.set(String(g[i]), g[i + 1]);
    if (m.get('name') === group) lag = Number(m.get('lag') ?? 0);
  }
  return { pending, lag };
}

/** Orders stream IDs (`<ms>-<seq>`) as the stream does. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/** An entry's priority key (1–5 from its event's severity; 6 when it has no readable one). */
export function entryPriorityKeyOf([, fields]: Entry): number {
  for (let i = 0; fields && i + 1 < fields.length; i += 2) if (fields[i] === 'event') return entryPriorityKey(fields[i + 1]);
  return entryPriorityKey(undefined);
}

/** The entries, higher severities first (stream order within one severity). */
export function entriesBySeverity(entries: Entry[]): Entry[] {
  return entries.map((e, i) => ({ e, i, key: entryPriorityKeyOf(e) })).sort((a, b) => a.key - b.key || a.i - b.i).map((x) => x.e);
}
