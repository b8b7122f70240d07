// Reading documents of a small store's own index (silences, on-call overrides): one search of their sources, and
// one document by ID with the version a compare-and-set write needs (if_seq_no / if_primary_term).
import type { Client } from '@opensearch-project/opensearch';

export const statusOf = (e: unknown): number | undefined => (e as { meta?: { statusCode?: number } }).meta?.statusCode;
export const errorType = (e: unknown): string | undefined => (e as { body?: { error?: { type?: string } } }).body?.error?.type;

/** The sources of one search (no total counted); [] while the index does not exist yet (nothing written to it). */
export async function searchSources<T>(client: Client, index: string, query: unknown, sort: unknown[], size: number): Promise<T[]> {
  try {
    const res = await client.search({ index, body: { query, sort, size, track_total_hits: false } as never });
    return (res.body as { hits: { hits: { _source: T }[] } }).hits.hits.map((h) => h._source);
  } catch (e) {
    if (errorType(e) === 'index_not_found_exception') return [];
    throw e;
  }
}

/**
 * One document with its seq_no and primary term; undefined when it is not there (404), or for an empty ID or one
 * longer than 512 (OpenSearch refuses IDs over 512 bytes: no document can have it).
 */
export async function getVersioned<T>(client: Client, index: string, id: string): Promise<{ source: T; seqNo: number; primaryTerm: number } | undefined> {
  if (!id || id.length > 512) return undefined;
  try {
    const res = await client.get({ index, id });
    const body = res.body as { _source: T; _seq_no: number; _primary_term: number };
    return { source: body._source, seqNo: body._seq_no, primaryTerm: body._primary_term };
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}
