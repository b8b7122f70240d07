// What a held-back delivery asks (storm control, docs/storm-control.md): what holds it now, whether its own incident
// still fires; and the wake of the deliveries a resolved source held back.
import { ApplicationFailure } from '@temporalio/activity';
import type { AlertEvent } from '../contracts/alert';
import type { Suppression } from '../contracts/delivery';
import { alertSubject } from '../storm/matchers';
import { silenceSuppression } from '../storm/screen';
import { wakeInhibited } from '../storm/wake';
import type { ActivityDeps } from './deps';

export function createHoldActivities({ store, silences, groups }: ActivityDeps) {
  /** What holds the alert back now: a silence in force (from the index), else a firing inhibition source; null: nothing. */
  async function holdNow(event: AlertEvent): Promise<Suppression | null> {
    const silence = await silences?.matchingNow(alertSubject(event));
    if (silence) return silenceSuppression(silence);
    return (store.inhibitions.enabled ? await store.inhibitions.inhibitor(event) : undefined) ?? null;
  }

  return {
    /**
     * A held-back delivery woke up (its silence ended, its source resolved): what holds it back now? Another silence
     * in force (read from the index, not a cache), else a firing inhibition source (as Alertmanager checks both when
     * it sends); null: notify.
     */
    silenceInForce: holdNow,

    /** The second look right after a hold was recorded (storm/held.ts): the same question, asked again. */
    confirmHold: holdNow,

    /** An inhibited delivery whose source went stale: does its own incident still fire (refreshed within INCIDENT_TIMEOUT)? */
    async incidentStillFiring(alertId: string): Promise<boolean> {
      return store.incidents.isFiring(alertId);
    },

    /**
     * The source `sourceAlertId` resolved: the deliveries it held back look again (storm/wake.ts). Resolves with how
     * many were woken.
     */
    async wakeInhibited({ sourceAlertId }: { sourceAlertId: string }): Promise<number> {
      if (!groups) throw ApplicationFailure.create({ type: 'NoTemporalClient', nonRetryable: true, message: 'wakeInhibited needs the worker\'s Temporal client' });
      try {
        return await wakeInhibited(groups.client, store.held, sourceAlertId);
      } catch (e) {
        if (/is not an alert ID/.test((e as Error).message)) throw ApplicationFailure.create({ type: 'InvalidAlertId', nonRetryable: true, message: (e as Error).message });
        throw e;
      }
    },

  };
}
