// The open incidents as the "Now" page lists them, from three sources read together:
//   - the incident records (`<ALERT_INDEX>.incidents`) in state firing or acknowledged, not stale (INCIDENT_TIMEOUT):
//     every open incident, including those whose delivery has finished (notified, or acknowledged and closed);
//   - Temporal visibility, the deliveries still running (escalating, parked `failed`, silenced, inhibited; with
//     ALERT_LIFECYCLE=off, the only source);
//   - the alert documents of both (title, labels, channels with their last error, who was paged at which level).
import type { ChannelResult } from '../contracts/channels';
import type { PagingRecord } from '../contracts/delivery';
import { GROUP_WORKFLOW_TYPE, WORKFLOW_TYPE } from '../contracts/ids';
import { SA_ESCALATION_LEVEL, SA_STATE, SA_SUPPRESSED_BY } from '../contracts/search-attributes';
import type { IncidentRecord } from '../lifecycle/incidents';
import type { ConsoleDeps } from './deps';

/** The alert document's fields the console shows (src/store/mapping.ts). */
export interface AlertDoc {
  alertId: string; ruleId: string; ruleName: string; severity: string; title: string; description?: string; view: string; scope: string;
  labels?: Record<string, string>; firedAt: string; receivedAt?: string; status?: string; channels?: string[]; workflowId: string; streamId?: string;
  deliveryStatus?: string; deliveries?: ChannelResult[]; rounds?: number; parkedAt?: string | null; abandonReason?: string | null; updatedAt?: string;
  incidentRole?: string; incidentOf?: string | null; incidentNote?: string | null; incidentState?: string; resolvedBy?: string;
  ackedBy?: string; ackedAt?: string; ackedVia?: string; escalationLevel?: number; paging?: PagingRecord[]; pagedPeople?: string[];
  groupId?: string; suppressedBy?: string; suppressionNote?: string; rejectReason?: string;
}

export type RowState = 'firing' | 'escalating' | 'acknowledged' | 'failed' | 'silenced' | 'inhibited' | 'pending';
export const ROW_STATES: readonly RowState[] = ['firing', 'escalating', 'acknowledged', 'failed', 'silenced', 'inhibited', 'pending'];

export interface IncidentRow {
  workflowId: string;
  state: RowState;
  running: boolean;
  doc?: AlertDoc;
  record?: IncidentRecord;
  severity: string;
  title: string;
  firedAt?: string;
  escalationLevel: number;
  pagedPeople: string[];
  ackedBy?: string;
  /** The required channels that failed, with their last error (a parked delivery). */
  failing: { channel: string; lastError: string | null }[];
}

export interface NowView {
  rows: IncidentRow[];
  counts: Record<RowState, number> & { groups: number };
  at: string;
}

export interface Filters {
  team?: string;
  severity?: string;
  /** `name=value` */
  label?: string;
  state?: string;
}

const MAX_ROWS = 300;
/** A search attribute's values as text (numbers as their digits). */
const sa = (attrs: unknown, name: string): string[] => {
  const v = (attrs as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [];
};

async function runningDeliveries(deps: ConsoleDeps): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const query = `WorkflowType = "${WORKFLOW_TYPE}" AND ExecutionStatus = "Running"`;
  for await (const wf of deps.temporal.workflow.list({ query, pageSize: 100 })) {
    out.set(wf.workflowId, (wf.searchAttributes ?? {}));
    if (out.size >= MAX_ROWS) break;
  }
  return out;
}

const missingIndex = (e: unknown) => (e as { meta?: { statusCode?: number } }).meta?.statusCode === 404;

async function openRecords(deps: ConsoleDeps, now: number): Promise<IncidentRecord[]> {
  try {
    const res = await deps.opensearch.search({
      index: deps.incidentIndex,
      body: { size: MAX_ROWS, sort: [{ firedAt: { order: 'desc' } }], query: { bool: { filter: [{ terms: { state: ['firing', 'acknowledged'] } }] } } },
    });
    const hits = (res.body.hits.hits as { _source: IncidentRecord }[]).map((h) => h._source);
    // stale: a firing incident no event refreshed for INCIDENT_TIMEOUT (its next firing pages anew)
    return hits.filter((r) => r.workflowId && !(r.state === 'firing' && now - Date.parse(r.lastSeenAt ?? r.openedAt) > deps.incidentTimeoutMs));
  } catch (e) {
    if (missingIndex(e)) return [];
    throw e;
  }
}

/** The alert documents of these delivery IDs (= workflow IDs = document `_id`s), by ID. */
export async function alertDocs(deps: ConsoleDeps, ids: string[]): Promise<Map<string, AlertDoc>> {
  if (!ids.length) return new Map();
  try {
    const res = await deps.opensearch.search({ index: deps.alertIndex, body: { size: ids.length, query: { ids: { values: ids } } } });
    return new Map((res.body.hits.hits as { _id: string; _source: AlertDoc }[]).map((h) => [h._id, h._source]));
  } catch (e) {
    if (missingIndex(e)) return new Map();
    throw e;
  }
}

/** One alert document, as of now (a GET is real-time; a search sees a write only after the index refreshes). */
export async function alertDoc(deps: ConsoleDeps, id: string): Promise<AlertDoc | undefined> {
  try {
    return (await deps.opensearch.get({ index: deps.alertIndex, id })).body._source as AlertDoc;
  } catch (e) {
    if (missingIndex(e) && (e as { meta?: { body?: { found?: boolean } } }).meta?.body?.found === false) return undefined;
    return (await alertDocs(deps, [id])).get(id); // an alias over several indices (rollover) takes no GET: search it
  }
}

function stateOf(doc: AlertDoc | undefined, record: IncidentRecord | undefined, attrs: Record<string, unknown> | undefined): RowState {
  // held back until now: a silence or inhibition that has since ended (woken, notified) no longer counts
  const notified = (doc?.deliveries ?? []).some((d) => d.status === 'delivered');
  const suppressed = notified ? '' : sa(attrs, SA_SUPPRESSED_BY.name)[0] ?? doc?.suppressedBy ?? '';
  if (record?.state === 'acknowledged' || doc?.ackedBy || sa(attrs, SA_STATE.name)[0] === 'acknowledged') return 'acknowledged';
  if (doc?.deliveryStatus === 'failed') return 'failed';
  if (suppressed.startsWith('silence:')) return 'silenced';
  if (suppressed.startsWith('inhibit:')) return 'inhibited';
  if (!doc) return 'pending';
  return (doc.escalationLevel ?? Number(sa(attrs, SA_ESCALATION_LEVEL.name)[0] ?? 0)) > 0 ? 'escalating' : 'firing';
}

function rowOf(workflowId: string, doc: AlertDoc | undefined, record: IncidentRecord | undefined, attrs: Record<string, unknown> | undefined): IncidentRow {
  return {
    workflowId, doc, record, running: attrs !== undefined,
    state: stateOf(doc, record, attrs),
    severity: doc?.severity ?? sa(attrs, 'AlertSeverity')[0] ?? '–',
    title: doc?.title ?? '(not persisted yet)',
    firedAt: doc?.firedAt ?? record?.firedAt,
    escalationLevel: doc?.escalationLevel ?? Number(sa(attrs, SA_ESCALATION_LEVEL.name)[0] ?? 0),
    pagedPeople: doc?.pagedPeople ?? sa(attrs, 'AlertPagedPeople'),
    ackedBy: doc?.ackedBy ?? record?.ackedBy ?? undefined,
    failing: (doc?.deliveries ?? []).filter((d) => d.status === 'failed' && d.required).map((d) => ({ channel: d.channel, lastError: d.lastError })),
  };
}

/** Whether an alert is a firing one that pages (not a resolved event's delivery, a duplicate, or a group member handed on). */
const isIncident = (doc: AlertDoc | undefined) => !doc || ((doc.status ?? 'firing') === 'firing' && (!doc.incidentRole || doc.incidentRole === 'page') && doc.deliveryStatus !== 'grouped');

export function matchesFilters(row: IncidentRow, f: Filters): boolean {
  const labels = row.doc?.labels ?? {};
  if (f.team && labels.team !== f.team) return false;
  if (f.severity && row.severity !== f.severity) return false;
  if (f.state && row.state !== f.state) return false;
  if (f.label) {
    const [name, ...rest] = f.label.split('=');
    const value = rest.join('=');
    if (rest.length ? labels[name.trim()] !== value.trim() : !(name.trim() in labels)) return false;
  }
  return true;
}

/** The open incidents now, newest first, and how many there are in each state (before the filters). */
export async function openIncidents(deps: ConsoleDeps, filters: Filters, now = Date.now()): Promise<NowView> {
  const [running, records, groups] = await Promise.all([
    runningDeliveries(deps), openRecords(deps, now),
    deps.temporal.workflow.count(`WorkflowType = "${GROUP_WORKFLOW_TYPE}" AND ExecutionStatus = "Running"`).then((c) => c.count).catch(() => 0),
  ]);
  const byWorkflow = new Map(records.map((r) => [r.workflowId!, r]));
  const ids = [...new Set([...running.keys(), ...byWorkflow.keys()])];
  const docs = await alertDocs(deps, ids);
  const all = ids.filter((id) => isIncident(docs.get(id))).map((id) => rowOf(id, docs.get(id), byWorkflow.get(id), running.get(id)));
  all.sort((a, b) => Date.parse(b.firedAt ?? '') - Date.parse(a.firedAt ?? '') || a.workflowId.localeCompare(b.workflowId));
  const counts = Object.fromEntries(ROW_STATES.map((s) => [s, 0])) as NowView['counts'];
  for (const r of all) counts[r.state] += 1;
  counts.groups = groups;
  return { rows: all.filter((r) => matchesFilters(r, filters)), counts, at: new Date(now).toISOString() };
}
