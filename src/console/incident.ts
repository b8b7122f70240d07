// One incident as its page shows it: the delivery workflow (described; its `status` query while it runs), its
// alert document, its incident record, and the timeline of both (./timeline.ts).
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { DeliveryState } from '../contracts/delivery';
import { statusQuery } from '../contracts/messages';
import type { IncidentRecord } from '../lifecycle/incidents';
import type { ConsoleDeps } from './deps';
import { alertDoc, type AlertDoc } from './incidents';
import { documentEntries, historyEntries, mergeTimeline, type TimelineEntry } from './timeline';

export interface IncidentView {
  workflowId: string;
  description: WorkflowExecutionDescription;
  running: boolean;
  doc?: AlertDoc;
  record?: IncidentRecord;
  state?: DeliveryState;
  timeline: TimelineEntry[];
  uiUrl?: string;
}

const QUERY_TIMEOUT_MS = 3_000;

async function incidentRecord(deps: ConsoleDeps, alertId: string): Promise<IncidentRecord | undefined> {
  try {
    return (await deps.opensearch.get({ index: deps.incidentIndex, id: alertId })).body._source as IncidentRecord;
  } catch (e) {
    if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw e;
  }
}

/** The incident of delivery `workflowId`; throws the client's WorkflowNotFoundError when there is no such workflow. */
export async function loadIncident(deps: ConsoleDeps, workflowId: string): Promise<IncidentView> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const running = description.status.name === 'RUNNING';
  const [doc, history, state] = await Promise.all([
    alertDoc(deps, workflowId),
    handle.fetchHistory().catch(() => undefined),
    running ? deps.temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(statusQuery)).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  const record = doc ? await incidentRecord(deps, doc.alertId) : undefined;
  const timeline = mergeTimeline(documentEntries(doc, record), history ? await historyEntries(deps.temporal, history.events ?? []) : []);
  return {
    workflowId, description, running, doc, record, state, timeline,
    ...(deps.uiUrl ? { uiUrl: `${deps.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}` } : {}),
  };
}
