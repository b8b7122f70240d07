// The checks the ingest applies to a stream entry (src/alert-event.ts's schema, MAX_EVENT_BYTES, the
// configured channel names), applied to every alert of a request before anything is written: a request
// is accepted whole or refused whole, with every reason.
import { alertEventSchema } from '../alert-event';
import type { AlertEvent } from '../contracts/alert';
import { issueMessage } from '../zod-issues';

export interface Problem {
  /** The alert's position in the request (0 for a single object). */
  index: number;
  /** Where in the alert (`labels.team`, `firedAt`); `(event)` for the alert as a whole. */
  path: string;
  message: string;
  /** Alertmanager alerts: which one. */
  fingerprint?: string;
  alertname?: string;
}

export interface ValidateLimits {
  /** MAX_EVENT_BYTES: the `event` field the ingest accepts. */
  maxEventBytes: number;
  /** The channel names the ingest knows (CHANNELS_FILE): an alert naming another is refused. */
  channels: ReadonlySet<string>;
}

/** At most this many problems are listed (the count of the rest is given). */
export const MAX_PROBLEMS = 1000;

export type Validated = { ok: true; events: AlertEvent[]; entries: string[] } | { ok: false; problems: Problem[] };

const pathText = (path: PropertyKey[]) => path.map((k) => String(k)).join('.') || '(event)';

/** One alert: the normalized event (unknown keys dropped, text trimmed) and its stream field, or its problems. */
export function validateAlert(raw: unknown, index: number, limits: ValidateLimits): { event: AlertEvent; entry: string } | { problems: Problem[] } {
  const parsed = alertEventSchema.safeParse(raw);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => ({ index, path: pathText(i.path), message: issueMessage(i) })) };
  const event = parsed.data;
  const problems: Problem[] = [];
  const unknown = (event.channels ?? []).filter((c) => !limits.channels.has(c));
  if (unknown.length) problems.push({ index, path: 'channels', message: `unknown channel(s) ${unknown.map((c) => `"${c}"`).join(', ')} (configured: ${[...limits.channels].join(', ')})` });
  const entry = JSON.stringify(event);
  const bytes = Buffer.byteLength(entry, 'utf8');
  if (bytes > limits.maxEventBytes) problems.push({ index, path: '(event)', message: `is ${bytes} bytes as JSON, over the limit of ${limits.maxEventBytes} (MAX_EVENT_BYTES)` });
  return problems.length ? { problems } : { event, entry };
}

/** All alerts, or every problem of every alert (capped at MAX_PROBLEMS). */
export function validateAlerts(items: unknown[], limits: ValidateLimits, describe?: (index: number) => Pick<Problem, 'fingerprint' | 'alertname'>): Validated {
  const events: AlertEvent[] = [];
  const entries: string[] = [];
  const problems: Problem[] = [];
  items.forEach((raw, index) => {
    const r = validateAlert(raw, index, limits);
    if ('problems' in r) problems.push(...r.problems.map((p) => ({ ...p, ...describe?.(index) })));
    else {
      events.push(r.event);
      entries.push(r.entry);
    }
  });
  return problems.length ? { ok: false, problems } : { ok: true, events, entries };
}
