// The AlertEvent: what producers publish (the stream entry's `event`, the intake's body).

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** An event either fires an incident (`alertId`) or resolves it. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The AlertEvent carried as JSON in the stream entry's `event` field. */
export interface AlertEvent {
  alertId: string;
  ruleId: string;
  ruleName: string;
  severity: Severity;
  title: string;
  description?: string;
  view: string;
  scope: string;
  labels?: Record<string, string>;
  firedAt: string;
  channels?: string[];
  /** Absent = `firing`. A `resolved` event is its own stream message and workflow; it resolves `alertId`. */
  status?: AlertStatus;
}
