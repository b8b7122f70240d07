// What the server recorded about each delivery, for tests that need more than the final state: which process
// started the run, which worker processes ran it, and when it stopped being in flight (status `pending`),
// read from its event history. Event times are the server's own clock, so peaks computed from them are
// exact, unlike a visibility count sampled now and then.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SA_STATUS } from '../../src/contracts/search-attributes';

export interface DeliveryRun {
  workflowId: string;
  /** `identity` of the start request: the client's `<pid>@<host>` (the ingest that started it). */
  startedBy: string;
  /** Identities of the workers that picked up its workflow tasks. */
  workflowWorkers: string[];
  /** Identities of the workers that ran its (regular) activities. */
  activityWorkers: string[];
  startedAt: number;
  /**
   * When it left status `pending` (the first upsert of AlertDeliveryStatus: the record of the outcome), or
   * closed without one; Infinity while it is still pending. This is what INGEST_MAX_IN_FLIGHT counts.
   */
  pendingUntil: number;
  closedAt?: number;
  /** How many events of each type its history has (e.g. to estimate Temporal Cloud actions per alert). */
  eventTypes: Record<string, number>;
}

const CLOSED = /WORKFLOW_EXECUTION_(COMPLETED|FAILED|TIMED_OUT|TERMINATED|CANCELED|CONTINUED_AS_NEW)$/;

/** Reads the history of every workflow ID (at most `concurrency` at once) and summarises each run. */
export async function readDeliveryRuns(client: Client, workflowIds: string[], concurrency = 8): Promise<DeliveryRun[]> {
  const out: DeliveryRun[] = [];
  let next = 0;
  const lane = async () => {
    while (next < workflowIds.length) {
      const workflowId = workflowIds[next++];
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      out.push(summarise(workflowId, history.events ?? []));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, workflowIds.length) }, lane));
  return out;
}

function summarise(workflowId: string, events: any[]): DeliveryRun {
  const run: DeliveryRun = { workflowId, startedBy: '', workflowWorkers: [], activityWorkers: [], startedAt: NaN, pendingUntil: Infinity, eventTypes: {} };
  const wf = new Set<string>();
  const act = new Set<string>();
  for (const e of events) {
    const type = eventTypeName(e.eventType);
    run.eventTypes[type] = (run.eventTypes[type] ?? 0) + 1;
    const at = tsToMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) {
      run.startedBy = e.workflowExecutionStartedEventAttributes.identity ?? '';
      run.startedAt = at;
    }
    if (e.workflowTaskStartedEventAttributes?.identity) wf.add(e.workflowTaskStartedEventAttributes.identity);
    if (e.activityTaskStartedEventAttributes?.identity) act.add(e.activityTaskStartedEventAttributes.identity);
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (fields && SA_STATUS.name in fields && run.pendingUntil === Infinity) run.pendingUntil = at;
    if (CLOSED.test(type)) {
      run.closedAt = at;
      if (run.pendingUntil === Infinity) run.pendingUntil = at;
    }
  }
  run.workflowWorkers = [...wf];
  run.activityWorkers = [...act];
  return run;
}

/** Event types come as enum numbers from the SDK's history; the proto enum names them. */
function eventTypeName(t: unknown): string {
  if (typeof t === 'string') return t;
  return temporal.api.enums.v1.EventType[t as number] ?? String(t);
}

/**
 * The most intervals [from, to) open at one instant (a closing and an opening at the same instant do not
 * overlap), and when it was first reached.
 */
export function peakOverlap(intervals: Array<[from: number, to: number]>): { peak: number; at: number } {
  const edges: Array<[number, number]> = [];
  for (const [from, to] of intervals) {
    edges.push([from, 1]);
    edges.push([to, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // at the same instant, closings first
  let open = 0;
  let peak = 0;
  let at = NaN;
  for (const [t, d] of edges) {
    open += d;
    if (open > peak) {
      peak = open;
      at = t;
    }
  }
  return { peak, at };
}

/** The fields of the last JSON log line whose `msg` is `msg` (pino output of a service process), or undefined. */
export function lastLogLine(output: string, msg: string): Record<string, any> | undefined {
  let found: Record<string, any> | undefined;
  for (const line of output.split('\n')) {
    if (!line.includes(`"msg":${JSON.stringify(msg)}`)) continue;
    try {
      found = JSON.parse(line) as Record<string, any>;
    } catch {
      // a line cut by the output buffer: ignore
    }
  }
  return found;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Waits until the workflow's current run has closed, then reads its whole history. A closed run does nothing more:
 * what its history does not show (a notification, a timer) never happens. This, not a sleep, proves "nothing sent".
 */
export async function closedHistory(handle: WorkflowHandle, timeoutMs = 60_000): Promise<{ status: string; events: HistoryEvent[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { status: status.name, events: (await handle.fetchHistory()).events ?? [] };
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One notifyChannel call in a history: an activity scheduled (its retries included), or a first attempt made locally. */
export interface NotifyCall {
  channel: string;
  /** A local first attempt (a marker in the history), not a scheduled activity. */
  local: boolean;
}

/**
 * Every notifyChannel call a history shows, in order, with its channel: from the activity's input, or for a local
 * first attempt from its summary (`notify <channel> (first attempt)`, src/workflows/notifiers.ts). A call whose
 * channel cannot be read fails loudly, never passes as "no call".
 */
export function notifyCalls(events: HistoryEvent[]): NotifyCall[] {
  const calls: NotifyCall[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    const marker = e.markerRecordedEventAttributes;
    if (scheduled?.activityType?.name === 'notifyChannel') {
      const input = defaultPayloadConverter.fromPayload<{ channel?: string }>(scheduled.input!.payloads![0]);
      calls.push({ channel: channelOf(input?.channel, e), local: false });
    } else if (marker?.markerName === 'core_local_activity') {
      const data = defaultPayloadConverter.fromPayload<{ activity_type: string }>(marker.details!.data.payloads![0]);
      if (data.activity_type === 'notifyChannel') calls.push({ channel: channelOf(undefined, e), local: true });
    }
  }
  return calls;
}

function channelOf(fromInput: string | undefined, e: HistoryEvent): string {
  if (fromInput) return fromInput;
  const summary = e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : '';
  const channel = /^notify (\S+)/.exec(summary)?.[1];
  if (!channel) throw new Error(`notifyChannel call without a readable channel (event ${String(e.eventId)}, summary ${JSON.stringify(summary)})`);
  return channel;
}

/** The channels a closed run notified, in order (each call once, local or not). */
export async function notifiedChannels(handle: WorkflowHandle): Promise<string[]> {
  return notifyCalls((await closedHistory(handle)).events).map((c) => c.channel);
}
