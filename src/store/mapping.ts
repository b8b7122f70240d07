// The alert document's contract in OpenSearch: the strict mapping the service creates its index with (and
// puts into the rollover template), and the comparison the start-up check uses against what it finds.
import type { FieldMismatch } from '../errors';

export type Mapping = { type: string; [k: string]: unknown } | { properties: Record<string, Mapping>; type?: string; [k: string]: unknown };

const deliveryProperties: Record<string, Mapping> = {
  channel: { type: 'keyword' },
  status: { type: 'keyword' },
  required: { type: 'boolean' },
  attempts: { type: 'integer' },
  lastError: { type: 'text' },
  lastErrorType: { type: 'keyword' },
  deliveredAt: { type: 'date' },
};

/** The document contract. `dynamic: strict` — a field not listed here is an error, never a guess. */
export const ALERT_MAPPING = {
  dynamic: 'strict',
  properties: {
    // the AlertEvent
    alertId: { type: 'keyword' },
    ruleId: { type: 'keyword' },
    ruleName: { type: 'keyword' },
    severity: { type: 'keyword' },
    title: { type: 'text' },
    description: { type: 'text' },
    view: { type: 'keyword' },
    scope: { type: 'keyword' },
    labels: { type: 'flat_object' },
    firedAt: { type: 'date' },
    channels: { type: 'keyword' },
    status: { type: 'keyword' },
    // delivery
    streamId: { type: 'keyword' },
    workflowId: { type: 'keyword' },
    // the run that created the document: a retried first task of the same run finds its own progress (found-document.ts)
    runId: { type: 'keyword' },
    receivedAt: { type: 'date' },
    delivered: { type: 'boolean' },
    deliveryStatus: { type: 'keyword' },
    deliveries: { type: 'nested', properties: deliveryProperties },
    rounds: { type: 'integer' },
    parkedAt: { type: 'date' },
    abandonReason: { type: 'text' },
    updatedAt: { type: 'date' },
    // the incident (src/lifecycle/incidents.ts): page | duplicate | resolve | unmatched, and whom it refers to
    incidentRole: { type: 'keyword' },
    incidentOf: { type: 'keyword' },
    incidentNote: { type: 'text' },
    resolvedBy: { type: 'keyword' },
    incidentState: { type: 'keyword' },
    ackedBy: { type: 'keyword' },
    ackedAt: { type: 'date' },
    ackedVia: { type: 'keyword' },
    escalationLevel: { type: 'integer' },
    // on call (docs/oncall.md): who each level paged and why, kept as written; the people, searchable
    paging: { type: 'object', enabled: false },
    pagedPeople: { type: 'keyword' },
    // storm control (docs/storm-control.md): the group and its notification; what held the alert back
    groupId: { type: 'keyword' },
    groupNotificationKey: { type: 'keyword' },
    suppressedBy: { type: 'keyword' },
    suppressionNote: { type: 'text' },
    // rejected entries
    rejectReason: { type: 'text' },
    raw: { type: 'text', index: false },
  },
} as const;

/** A mapping as OpenSearch returns it (GET _mapping, or a simulated template). */
export interface FoundMapping {
  properties?: Record<string, Mapping>;
  dynamic?: unknown;
}

/** Every contract field whose type differs from ALERT_MAPPING (or is missing), and a dynamic mapping left on. */
export function mappingMismatches(found: FoundMapping): FieldMismatch[] {
  const out: FieldMismatch[] = [];
  compare(ALERT_MAPPING.properties, found.properties ?? {}, '', out);
  if (String(found.dynamic) !== 'strict' && String(found.dynamic) !== 'false') {
    out.push({ field: '(dynamic)', found: JSON.stringify(found.dynamic ?? true), expected: 'strict (dynamic mapping off)' });
  }
  return out;
}

function compare(expected: Record<string, Mapping>, found: Record<string, Mapping>, prefix: string, out: FieldMismatch[]): void {
  for (const [field, exp] of Object.entries(expected)) {
    const name = prefix + field;
    const got = found[field];
    const expType = exp.type ?? 'object';
    if (!got) {
      out.push({ field: name, found: 'missing', expected: String(expType) });
      continue;
    }
    const gotType = got.type ?? ('properties' in got ? 'object' : 'unknown');
    if (gotType !== expType) {
      out.push({ field: name, found: String(gotType), expected: String(expType) });
      continue;
    }
    const expProps = (exp as { properties?: Record<string, Mapping> }).properties;
    const gotProps = (got as { properties?: Record<string, Mapping> }).properties ?? {};
    if (expProps) compare(expProps, gotProps, `${name}.`, out);
  }
}
