// The producer's trace context on a stream entry: optional fields `traceparent` (and `tracestate`) beside
// `event`, in W3C Trace Context format (https://www.w3.org/TR/trace-context/), whatever OTEL_PROPAGATORS says.
// The ingest starts the entry's workflow inside that context, so the StartWorkflow span (and everything after
// it: the workflow, its activities, the channels' requests) continues the producer's trace. An entry without
// them, or with a malformed value, starts a trace of its own: a bad traceparent never rejects an alert.
import { ROOT_CONTEXT, context, defaultTextMapGetter, defaultTextMapSetter, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export const TRACEPARENT_FIELD = 'traceparent';
export const TRACESTATE_FIELD = 'tracestate';

const w3c = new W3CTraceContextPropagator();

/** The W3C fields of an XREADGROUP field list (`[name, value, name, value, …]`), if it has a traceparent. */
function traceFields(fields: string[] | null): Record<string, string> | undefined {
  if (!fields) return undefined;
  const carrier: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === TRACEPARENT_FIELD || fields[i] === TRACESTATE_FIELD) carrier[fields[i]] = fields[i + 1];
  }
  return carrier[TRACEPARENT_FIELD] ? carrier : undefined;
}

/** The producer's context carried by the entry, or undefined (no traceparent, or not a valid one). */
export function entryTraceContext(fields: string[] | null): Context | undefined {
  const carrier = traceFields(fields);
  if (!carrier) return undefined;
  const ctx = w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/**
 * Runs `fn` (the workflow start) in the entry's trace: the producer's context when the entry carries one,
 * otherwise the root context, so a delivery without a traceparent is a trace of its own and never a child of
 * whatever the ingest happened to be doing.
 */
export function inEntryTrace<T>(fields: string[] | null, fn: () => T): T {
  return context.with(entryTraceContext(fields) ?? ROOT_CONTEXT, fn);
}

/**
 * The intake (a producer over HTTP): the trace fields of a request that carries a valid W3C `traceparent`
 * (and `tracestate`) header, to XADD beside each of its alerts' `event`: its sender's trace continues. [] without.
 */
export function traceFieldsFromHeaders(headers: Record<string, string | string[] | undefined>): string[] {
  const ctx = w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return trace.getSpanContext(ctx) ? traceFieldsFor(ctx) : [];
}

/** For producers (and tests): the fields to XADD beside `event` that carry `ctx` (default: the active context). */
export function traceFieldsFor(ctx: Context = context.active()): string[] {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return Object.entries(carrier).flat();
}
