// Every Payload in a workflow history (proto objects from fetchHistory, or a recorded history's JSON), with
// where it sits: for checking what the history stores in plain text and what is encrypted.
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { METADATA_KEY_ID } from '../../src/codec';

export interface FoundPayload {
  /** e.g. `events.0.workflowExecutionStartedEventAttributes.input.payloads.0` */
  path: string;
  encoding: string;
  keyId: string;
  payload: Payload;
}

const bytes = (v: unknown): Buffer => (typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from((v as Uint8Array | undefined) ?? []));

export function payloadsIn(value: unknown, path = ''): FoundPayload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const o = value as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object' && METADATA_ENCODING_KEY in meta) {
    return [{ path, encoding: bytes(meta[METADATA_ENCODING_KEY]).toString(), keyId: bytes(meta[METADATA_KEY_ID]).toString(), payload: o }];
  }
  return Object.entries(o).flatMap(([k, v]) => payloadsIn(v, path ? `${path}.${k}` : k));
}

/** Search attributes are stored as payloads too, never through a codec. */
export const isSearchAttribute = (p: FoundPayload): boolean => /\.searchAttributes\.indexedFields\./.test(p.path);

/**
 * The SDK core's own marker bookkeeping (a patch marker's ID, a local activity's type, attempt and timing), written
 * by the Rust core, not through the codec: plain, and never alert data (the local activity's result is encrypted).
 */
export const isCoreMarkerData = (p: FoundPayload): boolean => /\.markerRecordedEventAttributes\.details\.(data|patch-data)\./.test(p.path);

/** What the codec must have encrypted: everything but search attributes and the core's marker bookkeeping. */
export const isUserPayload = (p: FoundPayload): boolean => !isSearchAttribute(p) && !isCoreMarkerData(p);
