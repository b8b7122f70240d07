import type { AlertEvent } from '../../src/contracts/alert';

let n = 0;
/** A valid AlertEvent; override any field. */
export function alertEvent(over: Partial<AlertEvent> = {}): AlertEvent {
  n++;
  return {
    alertId: `alert-${Date.now()}-${n}`,
    ruleId: 'rule-cpu',
    ruleName: 'CPU high',
    severity: 'critical',
    title: `CPU at 99% (#${n})`,
    description: 'Sustained CPU saturation',
    view: 'prod',
    scope: 'host-1',
    labels: { team: 'infra' },
    firedAt: new Date().toISOString(),
    ...over,
  };
}
