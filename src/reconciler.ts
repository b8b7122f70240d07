// The reconciler: a delivery whose workflow was terminated (UI, CLI) or timed out never ran the code that
// records its end, so its document would say `pending` or `failed` forever. The worker looks for such
// closed executions in Temporal's visibility every RECONCILE_INTERVAL and writes the final state into the
// document: `deliveryStatus: "terminated"` with the reason. Idempotent: every worker may run it.
import type { Client } from '@temporalio/client';
import { StoreRefusedError } from './errors';
import type { Logger } from './logger';
import { deliveriesRecorded } from './metrics';
import { GROUP_WORKFLOW_TYPE, WORKFLOW_TYPE } from './contracts/ids';
import { SA_STATUS } from './contracts/search-attributes';
import type { AlertStore } from './store';

export interface ReconcilerDeps {
  client: Client;
  store: AlertStore;
  log: Logger;
  namespace: string;
  taskQueue: string;
  /** RECONCILE_INTERVAL (30s; 0 = off). */
  intervalMs: number;
  /** How far back the first pass looks (24 h). */
  lookbackMs?: number;
}

/** Statuses a document can be left in by a workflow that ended without recording (its search attribute says so). */
const OPEN_STATUSES = ['pending', 'failed', 'silenced', 'inhibited'];

export class Reconciler {
  private since: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(private readonly deps: ReconcilerDeps) {
    this.since = Date.now() - (deps.lookbackMs ?? 24 * 3600_000);
  }

  start(): void {
    if (!this.deps.intervalMs) return;
    const tick = () => {
      this.running = this.pass().catch((e: Error) => {
        this.deps.log.warn({ err: e.message }, 'reconcile pass failed; next pass retries');
        return 0;
      });
      void this.running.finally(() => {
        this.timer = setTimeout(tick, this.deps.intervalMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, Math.min(this.deps.intervalMs, 5_000));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: records every terminated or timed-out delivery closed since the last pass. Returns how many. */
  async pass(): Promise<number> {
    const { client, taskQueue } = this.deps;
    const from = new Date(this.since - 60_000).toISOString(); // overlap: visibility may trail the close a little
    const query = `WorkflowType = "${WORKFLOW_TYPE}" AND TaskQueue = "${taskQueue}" AND ExecutionStatus IN ("Terminated", "TimedOut")`
      + ` AND ${SA_STATUS.name} IN (${OPEN_STATUSES.map((s) => `"${s}"`).join(', ')}) AND CloseTime > "${from}"`;
    let latest = this.since;
    let recorded = 0;
    for await (const wf of client.workflow.list({ query })) {
      if (await this.record(wf.workflowId, wf.runId, wf.status.name)) recorded++;
      latest = Math.max(latest, wf.closeTime?.getTime() ?? 0);
    }
    // Groups (storm control) ended from outside: the members they had not notified yet are recorded as terminated.
    const groups = `WorkflowType = "${GROUP_WORKFLOW_TYPE}" AND TaskQueue = "${taskQueue}" AND ExecutionStatus IN ("Terminated", "TimedOut") AND CloseTime > "${from}"`;
    for await (const wf of client.workflow.list({ query: groups })) {
      const reason = `its group ${wf.workflowId} was ${wf.status.name === 'TIMED_OUT' ? 'timed out' : 'terminated'} before notifying it${await this.terminationReason(wf.workflowId, wf.runId)}`;
      const closed = await this.deps.store.closeGroupMembers(wf.workflowId, reason);
      if (closed) {
        recorded += closed;
        deliveriesRecorded.inc({ status: 'terminated' }, closed);
        this.deps.log.warn({ groupId: wf.workflowId, members: closed, reason }, 'group ended outside its workflow: its waiting members recorded as terminated');
      }
      latest = Math.max(latest, wf.closeTime?.getTime() ?? 0);
    }
    this.since = latest;
    return recorded;
  }

  /** Writes the final state of one closed delivery, unless its document already has one. */
  private async record(workflowId: string, runId: string, execution: string): Promise<boolean> {
    const { store, log } = this.deps;
    // Documents of deliveries started by an ingest from before delivery IDs are keyed by the bare message ID.
    const candidates = [workflowId, workflowId.slice(workflowId.lastIndexOf(':') + 1)];
    for (const id of candidates) {
      const doc = await store.get(id);
      if (!doc || doc.workflowId !== workflowId) continue;
      if (!OPEN_STATUSES.includes(doc.deliveryStatus)) return false;
      const reason = `workflow ${execution === 'TIMED_OUT' ? 'timed out' : 'terminated'}${await this.terminationReason(workflowId, runId)}`;
      try {
        await store.update(id, { delivered: false, deliveryStatus: 'terminated', abandonReason: reason });
      } catch (e) {
        if (e instanceof StoreRefusedError) return false; // deleted meanwhile: nothing left to correct
        throw e;
      }
      // Its incident (if it paged one) must not swallow the next firing of the alert.
      if (doc.alertId) await store.incidents.release(doc.alertId, workflowId, reason);
      deliveriesRecorded.inc({ status: 'terminated' });
      log.warn({ workflowId, runId, deliveryId: id, reason }, 'delivery ended outside the workflow: recorded as terminated');
      return true;
    }
    return false;
  }

  /** The operator's reason, from the last history event (one event, read backwards). */
  private async terminationReason(workflowId: string, runId: string): Promise<string> {
    try {
      const res = await this.deps.client.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: this.deps.namespace, execution: { workflowId, runId }, maximumPageSize: 1,
      });
      const reason = res.history?.events?.[0]?.workflowExecutionTerminatedEventAttributes?.reason;
      return reason ? `: ${reason.slice(0, 500)}` : '';
    } catch {
      return '';
    }
  }
}
