// Parsing a stream entry into an AlertEvent: the "parse" step of the pipeline, done by the ingest
// before any workflow exists, so that bad input is rejected visibly instead of becoming a stuck delivery.
import { z } from 'zod';
import { InvalidEntryError } from './errors';
import { ALERT_STATUSES, SEVERITIES, type AlertEvent } from './contracts/alert';
import { issueMessage } from './zod-issues';

// No C0/C1 control characters in identifiers and one-line text; descriptions may keep \t \n \r.
 
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
 
const NO_CONTROL_MULTILINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

const id = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).regex(NO_CONTROL, 'must not contain control characters');
const oneLine = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).regex(NO_CONTROL, 'must not contain control characters');

/**
 * An instant OpenSearch's `date` field (strict_date_optional_time) can store, and Temporal can carry:
 * ISO-8601 with seconds and an offset (`Z` or ±hh:mm), at most 9 fraction digits, offsets within ±18:00
 * (java.time's range). Found by the store-agreement test (test/store-agreement.test.ts), which sends
 * generated values to both this schema and the real index: whatever this accepts, the index stores.
 */
const MAX_FRACTION_DIGITS = 9;
const MAX_OFFSET_MINUTES = 18 * 60;
const instant = z.iso.datetime({ offset: true }).superRefine((v, ctx) => {
  const fraction = /\.(\d+)/.exec(v)?.[1];
  if (fraction && fraction.length > MAX_FRACTION_DIGITS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_FRACTION_DIGITS} fraction digits (got ${fraction.length})` });
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(v);
  if (offset && Number(offset[2]) * 60 + Number(offset[3]) > MAX_OFFSET_MINUTES) ctx.addIssue({ code: 'custom', message: `offset ${offset[0]} is outside ±18:00` });
});

export const alertEventSchema = z.object({
  alertId: id(256),
  ruleId: id(256),
  ruleName: oneLine(512),
  severity: z.enum(SEVERITIES),
  title: oneLine(1024),
  description: z.string().max(16 * 1024).regex(NO_CONTROL_MULTILINE, 'must not contain control characters other than tab and newline').optional(),
  view: id(256),
  scope: id(256),
  labels: z
    .record(id(128), z.string().max(1024).regex(NO_CONTROL, 'must not contain control characters'))
    .refine((l) => Object.keys(l).length <= 64, 'at most 64 labels')
    .optional(),
  firedAt: instant,
  channels: z.array(id(128)).max(32).optional(),
  /** `resolved` ends the incident `alertId` names (see docs/incidents.md); absent means firing. */
  status: z.enum(ALERT_STATUSES).optional(),
});

export interface EntryLimits {
  maxEventBytes: number;
}

/** Turns XREADGROUP's flat field list into the AlertEvent, or throws InvalidEntryError with the reason. */
export function parseEntry(fields: string[] | null, limits: EntryLimits): AlertEvent {
  if (fields === null) throw new InvalidEntryError('entry was deleted from the stream before it was read');
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const raw = map.get('event');
  if (raw === undefined) throw new InvalidEntryError(`no "event" field (fields present: ${[...map.keys()].slice(0, 10).join(', ') || 'none'})`);
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > limits.maxEventBytes) throw new InvalidEntryError(`"event" is ${bytes} bytes, over the limit of ${limits.maxEventBytes}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new InvalidEntryError(`"event" is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = alertEventSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.map((k) => JSON.stringify(String(k)).slice(1, -1)).join('.') : '(event)'}: ${issueMessage(i)}`);
    throw new InvalidEntryError(`"event" fails the AlertEvent schema: ${issues.join('; ')}`);
  }
  return parsed.data;
}
