// An incident's timeline: what its alert document says (fired, entered the stream, each channel's outcome and
// attempts, who each escalation level paged, the acknowledgement, the resolve) merged with what its workflow's
// history shows (started, each step with its summary, the escalation waits, operator updates, signals, the end).
import type { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import type { IncidentRecord } from '../lifecycle/incidents';
import type { AlertDoc } from './incidents';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;

export interface TimelineEntry {
  at: string;
  what: string;
  /** untrusted text (an error, a note): shown escaped, apart */
  detail?: string;
  source: 'document' | 'history';
}

const MAX_EVENTS = 1000;
const iso = (t: HistoryEvent['eventTime']) => new Date(Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6)).toISOString();

/** A payload of the history through the client's codecs (payload encryption) and converter; undefined when unreadable. */
async function decode(client: Client, p: Payload | null | undefined): Promise<unknown> {
  if (!p) return undefined;
  try {
    const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
    let decoded = p;
    for (const codec of [...payloadCodecs].reverse()) [decoded] = await codec.decode([decoded]);
    return payloadConverter.fromPayload(decoded);
  } catch {
    return undefined;
  }
}

const duration = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => {
  const s = Number(d?.seconds ?? 0);
  return s >= 60 ? `${Math.round(s / 60)}m` : `${s}s`;
};

/** What the history shows, one entry per event worth telling. */
export async function historyEntries(client: Client, events: HistoryEvent[]): Promise<TimelineEntry[]> {
  const out: TimelineEntry[] = [];
  const scheduled = new Map<string, string>();
  const add = (e: HistoryEvent, what: string, detail?: string) => out.push({ at: iso(e.eventTime), what, ...(detail ? { detail } : {}), source: 'history' });
  for (const e of events.slice(0, MAX_EVENTS)) {
    const summary = (await decode(client, e.userMetadata?.summary)) as string | undefined;
    if (e.workflowExecutionStartedEventAttributes) add(e, 'delivery workflow started');
    else if (e.activityTaskScheduledEventAttributes) {
      const name = e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity';
      scheduled.set(String(e.eventId), typeof summary === 'string' && summary ? summary : name);
    } else if (e.activityTaskCompletedEventAttributes) {
      add(e, `${scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) ?? 'activity'}: done`);
    } else if (e.activityTaskFailedEventAttributes) {
      add(e, `${scheduled.get(String(e.activityTaskFailedEventAttributes.scheduledEventId)) ?? 'activity'}: failed`, e.activityTaskFailedEventAttributes.failure?.message ?? undefined);
    } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      const data = (await decode(client, e.markerRecordedEventAttributes.details?.data?.payloads?.[0])) as { activity_type?: string } | undefined;
      const name = typeof summary === 'string' && summary ? summary : data?.activity_type ?? 'step';
      const failure = e.markerRecordedEventAttributes.failure;
      add(e, `${name}: ${failure ? 'failed' : 'done'}`, failure?.message ?? undefined);
    } else if (e.timerStartedEventAttributes) add(e, `waiting ${duration(e.timerStartedEventAttributes.startToFireTimeout)}${summary ? ` (${summary})` : ''}`);
    else if (e.timerFiredEventAttributes) add(e, 'wait over');
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const input = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input;
      const args = await Promise.all((input?.args?.payloads ?? []).map((p) => decode(client, p)));
      add(e, `operator update "${input?.name ?? '?'}" accepted`, args.length ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ') : undefined);
    } else if (e.workflowExecutionSignaledEventAttributes) add(e, `signal "${e.workflowExecutionSignaledEventAttributes.signalName ?? '?'}" received`);
    else if (e.workflowExecutionCompletedEventAttributes) add(e, 'delivery workflow completed');
    else if (e.workflowExecutionContinuedAsNewEventAttributes) add(e, 'delivery workflow continued as new (parked, long history)');
    else if (e.workflowExecutionTerminatedEventAttributes) add(e, 'delivery workflow terminated', e.workflowExecutionTerminatedEventAttributes.reason ?? undefined);
    else if (e.workflowExecutionFailedEventAttributes) add(e, 'delivery workflow failed', e.workflowExecutionFailedEventAttributes.failure?.message ?? undefined);
    else if (e.workflowExecutionTimedOutEventAttributes) add(e, 'delivery workflow timed out');
  }
  return out;
}

/** What the alert document and the incident record say. */
export function documentEntries(doc: AlertDoc | undefined, record: IncidentRecord | undefined): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const add = (at: string | null | undefined, what: string, detail?: string | null) => {
    if (at) out.push({ at, what, ...(detail ? { detail } : {}), source: 'document' });
  };
  if (doc) {
    add(doc.firedAt, `fired (${doc.severity})`);
    add(doc.receivedAt, 'entered the stream');
    for (const d of doc.deliveries ?? []) {
      if (d.status === 'delivered') add(d.deliveredAt, `notified ${d.channel} (${d.attempts} attempt(s))`);
    }
    if (doc.parkedAt) add(doc.parkedAt, `parked: ${(doc.deliveries ?? []).filter((d) => d.status === 'failed').map((d) => `${d.channel} failed after ${d.attempts} attempt(s)`).join('; ')}`,
      (doc.deliveries ?? []).filter((d) => d.status === 'failed').map((d) => `${d.channel}: ${d.lastError ?? ''}`).join('\n'));
    for (const level of doc.paging ?? []) {
      const people = level.paged.map((p) => `${p.person} (${Object.entries(p.via).map(([k, v]) => `${k} ${String(v)}`).join(', ')})`).join(', ');
      add(level.at, `escalation level ${level.level}: paged ${people || 'nobody'}`);
    }
    add(doc.ackedAt, `acknowledged by ${doc.ackedBy ?? '?'} via ${doc.ackedVia ?? '?'}`);
    if (doc.abandonReason) add(doc.updatedAt, 'abandoned', doc.abandonReason);
  }
  if (record?.resolvedAt) add(record.resolvedAt, `resolved${record.resolvedBy ? ` (delivery ${record.resolvedBy})` : ''}`);
  if (record?.ackedAt && !doc?.ackedAt) add(record.ackedAt, `acknowledged by ${record.ackedBy ?? '?'}`);
  return out;
}

export function mergeTimeline(...lists: TimelineEntry[][]): TimelineEntry[] {
  return lists.flat().sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.source === b.source ? 0 : a.source === 'document' ? -1 : 1));
}
