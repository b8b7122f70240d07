// Screening a paging alert before it is notified: a silence in force, then an inhibiting source (see
// docs/storm-control.md). Runs in the persist step, so the decision is recorded in the workflow's history
// with the rest of the persist result.
import type { AlertEvent } from '../contracts/alert';
import type { Suppression } from '../contracts/delivery';
import type { InhibitionStore } from './inhibitions';
import { alertSubject } from './matchers';

/** A silence as screening needs it (src/storm/silences.ts stores them). */
export interface SilenceLike {
  id: string;
  endsAt: string;
  comment: string;
  createdBy: string;
}

/** Where active silences are looked up: `matching` may answer from a cache (≤ 1 s old), `matchingNow` reads the index. */
export interface SilenceLookup {
  matching(subject: Record<string, string>): Promise<SilenceLike | undefined>;
  matchingNow(subject: Record<string, string>): Promise<SilenceLike | undefined>;
}

export function silenceSuppression(s: SilenceLike): Suppression {
  return { kind: 'silence', silenceId: s.id, endsAt: s.endsAt, comment: s.comment, createdBy: s.createdBy };
}

/** What holds this paging alert back: a silence first (it names a human's decision), then an inhibit rule. */
export async function screen(event: AlertEvent, silences: SilenceLookup | undefined, inhibitions: InhibitionStore): Promise<Suppression | undefined> {
  const silence = await silences?.matching(alertSubject(event));
  if (silence) return silenceSuppression(silence);
  return inhibitions.enabled ? inhibitions.inhibitor(event) : undefined;
}
