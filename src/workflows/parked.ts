// A delivery whose required channel failed stays open, parked as `failed`, until an operator retries or abandons
// it, a re-drive delivers it, its incident resolves, or it gives up. Its history grows with each re-drive: past a
// limit it carries on in a fresh run (continue-as-new, same workflow ID).
import { allHandlersFinished, condition, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { PARKED_HISTORY_LIMIT } from '../contracts/delivery';
import { SA_FAILED_CHANNELS, SA_RULE_ID, SA_SEVERITY, SA_STATUS } from '../contracts/search-attributes';
import type { DeliverAlert, Delivery } from './delivery';
import { notifyRound } from './notify-steps';

function historyTooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= PARKED_HISTORY_LIMIT;
}

/** Continues as new with the parked state (nothing is persisted or sent again); never returns. */
async function continueParked(d: Delivery): Promise<never> {
  await condition(allHandlersFinished);
  const nextRun = makeContinueAsNewFunc<DeliverAlert>({
    typedSearchAttributes: [
      { key: SA_STATUS, value: 'failed' },
      { key: SA_FAILED_CHANNELS, value: d.failedRequired() },
      { key: SA_SEVERITY, value: d.req.event.severity },
      { key: SA_RULE_ID, value: d.req.event.ruleId },
    ],
  });
  return nextRun(d.req, { state: d.state, channels: d.channels, park: d.park, parkedAtMs: d.parkedAtMs });
}

/** While `failed`: waits for a retry, an abandon, a resolve, the next re-drive or the give-up deadline; re-runs the failed channels. */
export async function stayParkedWhileFailed(d: Delivery): Promise<void> {
  const { state, park } = d;
  while (state.status === 'failed') {
    if (historyTooLong() && d.retriesRequested === d.retriesDone && state.abandonReason === null) await continueParked(d);
    const giveUpIn = park.giveUpAfterMs > 0 ? d.parkedAtMs + park.giveUpAfterMs - Date.now() : Infinity;
    const wait = Math.min(park.redriveIntervalMs > 0 ? park.redriveIntervalMs : Infinity, giveUpIn);
    const wakeUp = () => d.retriesRequested > d.retriesDone || state.abandonReason !== null || d.resolvedBy !== undefined;
    const woken = Number.isFinite(wait) ? await condition(wakeUp, Math.max(wait, 1)) : (await condition(wakeUp), true);
    if (state.abandonReason === null && !woken && park.giveUpAfterMs > 0 && Date.now() - d.parkedAtMs >= park.giveUpAfterMs) {
      state.abandonReason = `gave up: still failing ${Math.round(park.giveUpAfterMs / 1000)}s after it was parked`;
    }
    if (d.resolvedBy !== undefined) state.abandonReason ??= `incident resolved (by ${d.resolvedBy}) while failed channels were parked`;
    if (state.abandonReason !== null) return;
    const target = d.retriesRequested;
    await notifyRound(d, state.channels.filter((c) => c.status === 'failed').map((c) => c.channel));
    await d.record();
    d.retriesDone = target;
  }
}
