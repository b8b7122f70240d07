// Prometheus Alertmanager's webhook payload (version "4") → one AlertEvent per alert. Pure mapping, no I/O.
//
//   alertId   `am:<fingerprint>:<startsAt as UTC ISO>`: the fingerprint names the label set (the series), startsAt
//             the incident. Alertmanager keeps an alert's earliest startsAt while it fires, so its firing and
//             resolved notifications share the ID; the same series firing again later is a new incident with a
//             new ID. Without a fingerprint (another sender), it is computed as Alertmanager does (FNV-1a 64 of
//             the sorted labels).
//   status    the alert's own `status` (firing | resolved), not the group's
//   labels    the alert's labels, copied
//   title     the first non-empty annotation of INTAKE_AM_TITLE_ANNOTATIONS (summary, title), else the rule name
//   description  the first non-empty annotation of INTAKE_AM_DESCRIPTION_ANNOTATIONS (description, message)
//   severity  the INTAKE_AM_SEVERITY_LABEL label (severity) through the severity table (DEFAULT_SEVERITY_TABLE plus
//             INTAKE_AM_SEVERITY_MAP), else INTAKE_AM_DEFAULT_SEVERITY (high)
//   view, scope   labels INTAKE_AM_VIEW_LABEL (view) and INTAKE_AM_SCOPE_LABEL (instance), else
//             INTAKE_AM_DEFAULT_VIEW (alertmanager) and INTAKE_AM_DEFAULT_SCOPE (global)
//   ruleId, ruleName   labels INTAKE_AM_RULE_ID_LABEL and INTAKE_AM_RULE_NAME_LABEL (both alertname), else `alertmanager`
//   firedAt   startsAt
import { z } from 'zod';
import { defaultOf } from '../config/read';
import type { AlertEvent, Severity } from '../contracts/alert';

/**
 * Alertmanager severities (and common synonyms) → ours, matched case-insensitively. A value that is already
 * one of ours maps to itself; INTAKE_AM_SEVERITY_MAP adds or overrides entries.
 */
export const DEFAULT_SEVERITY_TABLE: Readonly<Record<string, Severity>> = {
  critical: 'critical', crit: 'critical', fatal: 'critical', emergency: 'critical', emerg: 'critical', alert: 'critical', page: 'critical', p1: 'critical', sev1: 'critical', disaster: 'critical',
  high: 'high', error: 'high', err: 'high', major: 'high', p2: 'high', sev2: 'high',
  medium: 'medium', warning: 'medium', warn: 'medium', moderate: 'medium', average: 'medium', p3: 'medium', sev3: 'medium',
  low: 'low', minor: 'low', p4: 'low', sev4: 'low',
  info: 'info', informational: 'info', information: 'info', notice: 'info', none: 'info', debug: 'info', p5: 'info', sev5: 'info',
};

export interface AlertmanagerMapping {
  severityLabel: string;
  /** Lower-case label value → severity. */
  severityTable: Readonly<Record<string, Severity>>;
  defaultSeverity: Severity;
  viewLabel: string;
  defaultView: string;
  scopeLabel: string;
  defaultScope: string;
  ruleIdLabel: string;
  ruleNameLabel: string;
  titleAnnotations: string[];
  descriptionAnnotations: string[];
}

/** The mapping with every INTAKE_AM_* variable unset (their defaults are the schema's, src/config/schema.ts). */
export const DEFAULT_ALERTMANAGER_MAPPING: AlertmanagerMapping = {
  severityLabel: defaultOf('INTAKE_AM_SEVERITY_LABEL'),
  severityTable: DEFAULT_SEVERITY_TABLE,
  defaultSeverity: defaultOf('INTAKE_AM_DEFAULT_SEVERITY'),
  viewLabel: defaultOf('INTAKE_AM_VIEW_LABEL'),
  defaultView: defaultOf('INTAKE_AM_DEFAULT_VIEW'),
  scopeLabel: defaultOf('INTAKE_AM_SCOPE_LABEL'),
  defaultScope: defaultOf('INTAKE_AM_DEFAULT_SCOPE'),
  ruleIdLabel: defaultOf('INTAKE_AM_RULE_ID_LABEL'),
  ruleNameLabel: defaultOf('INTAKE_AM_RULE_NAME_LABEL'),
  titleAnnotations: defaultOf('INTAKE_AM_TITLE_ANNOTATIONS'),
  descriptionAnnotations: defaultOf('INTAKE_AM_DESCRIPTION_ANNOTATIONS'),
};

const stringMap = z.record(z.string(), z.string());

export const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.optional(),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/** The webhook body (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4').optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  groupLabels: stringMap.optional(),
  commonLabels: stringMap.optional(),
  commonAnnotations: stringMap.optional(),
  externalURL: z.string().optional(),
  // the items are checked one by one (mapAlertmanagerAlert), so that a bad alert is named by its index
  alerts: z.array(z.unknown()),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

// FNV-1a 64, as Alertmanager's (prometheus/common model) LabelSet.Fingerprint: sorted names, 0xff after each name and value.
const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;

/** Alertmanager's fingerprint of a label set: 16 lower-case hex digits. */
export function labelsFingerprint(labels: Record<string, string>): string {
  let h = FNV_OFFSET;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  };
  const sep = Uint8Array.of(0xff);
  for (const name of Object.keys(labels).sort()) {
    add(Buffer.from(name, 'utf8'));
    add(sep);
    add(Buffer.from(labels[name], 'utf8'));
    add(sep);
  }
  return h.toString(16).padStart(16, '0');
}

/** `am:<fingerprint>:<startsAt as UTC ISO, ms>`; undefined when startsAt is not a time. */
export function alertmanagerAlertId(fingerprint: string, startsAt: string): string | undefined {
  const ms = Date.parse(startsAt);
  if (!Number.isFinite(ms)) return undefined;
  return `am:${fingerprint}:${new Date(ms).toISOString()}`;
}

export function mapSeverity(value: string | undefined, mapping: Pick<AlertmanagerMapping, 'severityTable' | 'defaultSeverity'>): Severity {
  if (value === undefined) return mapping.defaultSeverity;
  return mapping.severityTable[value.trim().toLowerCase()] ?? mapping.defaultSeverity;
}

/** Text for a one-line field: control characters and runs of white space become one space, at most `max` characters. */
function oneLine(text: string, max: number): string {
  return [...text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()].slice(0, max).join('');
}

/** Text for the description: control characters other than tab and new line removed, at most `max` characters. */
function multiLine(text: string, max: number): string {
  return [...text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '').trim()].slice(0, max).join('');
}

function firstAnnotation(annotations: Record<string, string>, names: string[]): string | undefined {
  for (const n of names) {
    const v = annotations[n];
    if (v !== undefined && v.trim() !== '') return v;
  }
  return undefined;
}

export type MappedAlert = { ok: true; event: AlertEvent; fingerprint: string } | { ok: false; problems: Array<{ path: string; message: string }>; fingerprint?: string; alertname?: string };

/**
 * One Alertmanager alert → the AlertEvent candidate (to be checked with alertEventSchema by the caller).
 * Fails only on what no mapping can fix: a body that is not an Alertmanager alert, or a startsAt that is no time.
 */
export function mapAlertmanagerAlert(raw: unknown, mapping: AlertmanagerMapping = DEFAULT_ALERTMANAGER_MAPPING): MappedAlert {
  const parsed = alertmanagerAlertSchema.safeParse(raw);
  const named = raw && typeof raw === 'object' ? (raw as { fingerprint?: unknown; labels?: { alertname?: unknown } }) : {};
  const who = {
    ...(typeof named.fingerprint === 'string' ? { fingerprint: named.fingerprint } : {}),
    ...(typeof named.labels?.alertname === 'string' ? { alertname: named.labels.alertname } : {}),
  };
  if (!parsed.success) {
    return { ok: false, ...who, problems: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(alert)', message: i.message })) };
  }
  const a = parsed.data;
  const annotations = a.annotations ?? {};
  const fingerprint = a.fingerprint?.trim() || labelsFingerprint(a.labels);
  const alertId = alertmanagerAlertId(fingerprint, a.startsAt);
  if (!alertId) return { ok: false, ...who, problems: [{ path: 'startsAt', message: `${JSON.stringify(a.startsAt.slice(0, 64))} is not a time` }] };
  const label = (name: string) => (a.labels[name]?.trim() ? a.labels[name] : undefined);
  const ruleId = label(mapping.ruleIdLabel) ?? 'alertmanager';
  const ruleName = oneLine(label(mapping.ruleNameLabel) ?? ruleId, 512);
  const title = firstAnnotation(annotations, mapping.titleAnnotations);
  const description = firstAnnotation(annotations, mapping.descriptionAnnotations);
  const event: AlertEvent = {
    alertId,
    ruleId,
    ruleName,
    severity: mapSeverity(label(mapping.severityLabel), mapping),
    title: title !== undefined ? oneLine(title, 1024) : ruleName,
    ...(description !== undefined ? { description: multiLine(description, 16 * 1024) } : {}),
    view: label(mapping.viewLabel) ?? mapping.defaultView,
    scope: label(mapping.scopeLabel) ?? mapping.defaultScope,
    labels: { ...a.labels },
    firedAt: a.startsAt,
    status: a.status,
  };
  return { ok: true, event, fingerprint };
}
