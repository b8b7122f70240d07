// A delivery's task-queue priority and fairness (docs/delivery.md#priority-and-fairness). Temporal's matching keeps a
// sub-queue per priority key (1 = highest, 3 when unset) and drains higher ones first; within one key it shares the
// task queue between fairness keys, so one noisy source does not delay another's tasks of the same key. A workflow's
// activities inherit its priority.
import type { Priority } from '@temporalio/common';
import type { AlertEvent, Severity } from './alert';

/** The priority key of each severity: a critical alert's tasks go first, an info alert's last. */
export const PRIORITY_KEYS: Readonly<Record<Severity, number>> = { critical: 1, high: 2, medium: 3, low: 4, info: 5 };

/** Where the fairness key comes from: the alert's rule, scope or view, one of its labels, or nowhere (`none`). */
export type FairnessBy = 'rule' | 'scope' | 'view' | 'none' | `label:${string}`;
export const FAIRNESS_BY_PATTERN = /^(rule|scope|view|none|label:[A-Za-z_][A-Za-z0-9_]{0,99})$/;

/** Temporal refuses a longer fairness key; a longer value is cut (keys that share 64 bytes share their turn). */
const MAX_FAIRNESS_KEY_BYTES = 64;

function fairnessValue(event: Pick<AlertEvent, 'ruleId' | 'scope' | 'view' | 'labels'>, by: FairnessBy): string | undefined {
  if (by === 'none') return undefined;
  if (by === 'rule') return event.ruleId;
  if (by === 'scope') return event.scope;
  if (by === 'view') return event.view;
  return event.labels?.[by.slice('label:'.length)];
}

/** The fairness key of an alert (undefined: none, Temporal's default key). */
export function fairnessKeyOf(event: Pick<AlertEvent, 'ruleId' | 'scope' | 'view' | 'labels'>, by: FairnessBy): string | undefined {
  const value = fairnessValue(event, by);
  if (!value) return undefined;
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length <= MAX_FAIRNESS_KEY_BYTES ? value : bytes.subarray(0, MAX_FAIRNESS_KEY_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
}

/** The priority a delivery's workflow (and so its activities) runs at. */
export function deliveryPriority(event: Pick<AlertEvent, 'severity' | 'ruleId' | 'scope' | 'view' | 'labels'>, by: FairnessBy): Priority {
  const fairnessKey = fairnessKeyOf(event, by);
  return { priorityKey: PRIORITY_KEYS[event.severity], ...(fairnessKey ? { fairnessKey } : {}) };
}

/** A stream entry's priority key, read from its raw `event` field for ordering only (unreadable: after the rest). */
export function entryPriorityKey(rawEvent: string | undefined): number {
  try {
    const severity = (JSON.parse(rawEvent ?? '') as { severity?: unknown }).severity;
    return typeof severity === 'string' && severity in PRIORITY_KEYS ? PRIORITY_KEYS[severity as Severity] : 6;
  } catch {
    return 6;
  }
}
