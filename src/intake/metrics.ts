// The intake's Prometheus metrics, in the service's registry (src/metrics.ts): served on METRICS_PORT like
// the worker's and the ingest's.
import { Counter, Histogram } from 'prom-client';
import { registry } from '../metrics';

/** Requests by route (`alerts`, `alertmanager`, `ack`, …) and status code. */
export const intakeRequests = new Counter({
  name: 'alert_intake_requests_total', help: 'HTTP requests handled by the intake, by route and status', labelNames: ['route', 'status'], registers: [registry],
});
export const intakeRequestSeconds = new Histogram({
  name: 'alert_intake_request_seconds', help: 'Duration of intake requests, by route', labelNames: ['route'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry],
});
/** Alerts by source (`api`, `alertmanager`) and result (`accepted`: added to the stream; `refused`: in a refused request). */
export const intakeAlerts = new Counter({
  name: 'alert_intake_alerts_total', help: 'Alerts received by the intake, by source and result', labelNames: ['source', 'result'], registers: [registry],
});
/** Alerts Alertmanager left out of a notification (its `max_alerts`): they never reached the intake. */
export const intakeTruncated = new Counter({
  name: 'alert_intake_alertmanager_truncated_total', help: 'Alerts Alertmanager dropped from notifications (truncatedAlerts)', registers: [registry],
});
/** Ack links: `acknowledged`, `invalid`, `expired`, `not_found`, `rejected`, `unavailable`. */
export const intakeAcks = new Counter({
  name: 'alert_intake_acks_total', help: 'Ack link submissions, by result', labelNames: ['result'], registers: [registry],
});
/** Slack button presses: `refused_missing`, `refused_stale`, `refused_invalid` (signature), `ignored`, and each action's `<action>_<result>`. */
export const intakeSlackPresses = new Counter({
  name: 'alert_intake_slack_presses_total', help: 'Requests to the Slack interactivity endpoint, by result', labelNames: ['result'], registers: [registry],
});
/** SMS and voice callbacks by channel, kind (`gather`, `status`; a status by what reported it: `sms_status`, `call_status`) and result (`refused`, `acknowledged`, …, or the reported status). */
export const phoneCallbacks = new Counter({
  name: 'alert_intake_phone_callbacks_total', help: 'SMS and voice provider callbacks, by channel, kind and result', labelNames: ['channel', 'kind', 'result'], registers: [registry],
});
