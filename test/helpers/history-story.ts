// What a recorded history shows the workflow did, step by step, for the replay tests' story checks.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';

export const HISTORIES = path.join(__dirname, '..', 'histories');
export const jsonIn = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

/** Every recorded history, relative to test/histories: each version's (`<major>.<minor>/`), plain and encrypted. */
export function recordedHistories(): { plain: string[]; encrypted: string[] } {
  const versions = fs.readdirSync(HISTORIES).filter((d) => /^\d+\.\d+$/.test(d)).sort();
  const inDir = (...dir: string[]) => (fs.existsSync(path.join(HISTORIES, ...dir)) ? jsonIn(path.join(HISTORIES, ...dir)).map((f) => path.join(...dir, f)) : []);
  return { plain: versions.flatMap((v) => inDir(v)), encrypted: versions.flatMap((v) => inDir(v, 'encrypted')) };
}

/** Replays the files in one pass (one worker); resolves with the files that failed, and why. Throws unless each was replayed. */
export async function replayAll(options: ReplayWorkerOptions, files: string[]): Promise<Record<string, string>> {
  const failed: Record<string, string> = {};
  let replayed = 0;
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJSON(load(HISTORIES, f)) }));
  for await (const r of Worker.runReplayHistories(options, histories)) {
    replayed++;
    if (r.error) failed[r.workflowId] = `${r.error.name}: ${r.error.message}`;
  }
  if (replayed !== files.length) throw new Error(`replayed ${replayed} of ${files.length} histories`);
  return failed;
}

export function load(dir: string, file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

export interface HistoryEvent {
  eventId: string;
  eventType: string;
  [attributes: string]: any;
}

export const eventsOf = (dir: string, file: string): HistoryEvent[] => (load(dir, file) as { events: HistoryEvent[] }).events;

/** A JSON payload of a recorded history (base64 in `data`); null for a missing or binary/null one. */
export const decode = (p?: { data?: string }): any => (p?.data ? JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) : null);

/**
 * What a recorded history shows the workflow did: bookkeeping steps (local activities are markers, the others
 * activities), each notify outcome, AlertDeliveryStatus changes, operator updates, signals, fired timers, the end.
 */
export function story(dir: string, file: string) {
  const events = (load(dir, file) as { events: HistoryEvent[] }).events;
  const activityType = new Map<string, string>();
  const steps: string[] = [];
  let result: any = null;
  for (const e of events) {
    const t = e.eventType.replace('EVENT_TYPE_', '');
    if (t === 'ACTIVITY_TASK_SCHEDULED') {
      const name: string = e.activityTaskScheduledEventAttributes.activityType.name;
      activityType.set(e.eventId, name);
      if (name !== 'notifyChannel') steps.push(name);
    } else if (t === 'MARKER_RECORDED' && e.markerRecordedEventAttributes.markerName === 'core_local_activity') {
      const type: string = decode(e.markerRecordedEventAttributes.details.data.payloads[0]).activity_type;
      const failure = e.markerRecordedEventAttributes.failure;
      // a first attempt made locally (one-task delivery)
      if (type === 'notifyChannel') steps.push(failure ? `first attempt failed (${failure.cause?.applicationFailureInfo?.type ?? failure.applicationFailureInfo?.type})` : 'first attempt ok');
      else steps.push(type);
    } else if (t === 'ACTIVITY_TASK_COMPLETED' && activityType.get(e.activityTaskCompletedEventAttributes.scheduledEventId) === 'notifyChannel') {
      steps.push('notify ok');
    } else if (t === 'ACTIVITY_TASK_FAILED' && activityType.get(e.activityTaskFailedEventAttributes.scheduledEventId) === 'notifyChannel') {
      steps.push(`notify failed (${e.activityTaskFailedEventAttributes.failure.applicationFailureInfo?.type})`);
    } else if (t === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') {
      const f = e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields;
      if (f.AlertDeliveryStatus) steps.push(`${decode(f.AlertDeliveryStatus)} [${(decode(f.AlertFailedChannels) ?? []).join(',')}]`);
    } else if (t === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED') {
      const input = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input;
      const args = (input.args?.payloads ?? []).map(decode).map((v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)));
      steps.push(`update ${input.name}(${args.join(', ')})`);
    } else if (t === 'TIMER_FIRED') {
      steps.push('timer');
    } else if (t === 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED') {
      steps.push('hand-over failed');
    } else if (t === 'WORKFLOW_EXECUTION_SIGNALED') {
      const { signalName, input } = e.workflowExecutionSignaledEventAttributes;
      const member = signalName === 'join' ? decode(input.payloads[0]) : null;
      steps.push(member ? `signal join(${member.alertId} ${member.status})` : `signal ${signalName}`);
    } else if (t === 'WORKFLOW_EXECUTION_COMPLETED') {
      result = decode(e.workflowExecutionCompletedEventAttributes.result.payloads[0]);
      steps.push(`completed ${result.status}`);
    } else if (t.startsWith('WORKFLOW_EXECUTION_') && !['STARTED', 'UPDATE_COMPLETED'].some((k) => t.endsWith(k))) {
      steps.push(t.slice('WORKFLOW_EXECUTION_'.length).toLowerCase());
    }
  }
  const channels = (result?.channels ?? []).map((c: any) => `${c.channel}${c.required ? '' : ' (best effort)'}: ${c.status} after ${c.attempts}`);
  return { steps, channels, abandonReason: result?.abandonReason ?? null };
}
