// The resolved event of a firing delivery, as `alertctl resolve` and the intake's Resolve button (Slack) make it:
// the AlertEvent the delivery was started with (its history's first event, decoded through the client's codecs,
// since payloads may be encrypted) with `"status": "resolved"`, every other field kept. Appended to the stream, it
// travels the normal pipeline: its own delivery resolves the incident on every channel that was notified.
import type { Client } from '@temporalio/client';
import { alertEventSchema } from '../alert-event';
import type { AlertEvent } from '../contracts/alert';
import type { DeliveryRequest } from '../contracts/delivery';
import { WORKFLOW_TYPE } from '../contracts/ids';

export type ResolvedEvent = { ok: true; event: AlertEvent; stream?: string } | { ok: false; problem: string };

/**
 * The resolved event of the delivery `workflowId`, or why it has none. Errors of the history request itself (no such
 * workflow, Temporal unreachable) are thrown as the client throws them.
 */
export async function resolvedEventOf(client: Client, namespace: string, workflowId: string): Promise<ResolvedEvent> {
  // The first event is enough: the latest run's start, whose first argument is the DeliveryRequest
  // (a parked delivery that continued as new passes it on unchanged).
  const history = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId }, maximumPageSize: 1 });
  const started = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return { ok: false, problem: `${workflowId}: its history does not start with the workflow's input` };
  if (started.workflowType?.name !== WORKFLOW_TYPE) return { ok: false, problem: `${workflowId} is a ${started.workflowType?.name ?? 'unknown'} workflow, not an alert delivery (${WORKFLOW_TYPE})` };
  const payload = started.input?.payloads?.[0];
  if (!payload) return { ok: false, problem: `${workflowId}: the workflow was started without input` };
  // A raw history payload: through the client's codecs first (payload encryption), then its JSON converter.
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payload;
  for (const codec of [...payloadCodecs].reverse()) [decoded] = await codec.decode([decoded]);
  const req = payloadConverter.fromPayload<DeliveryRequest | undefined>(decoded);
  const firing = req?.event;
  if (!firing || typeof firing !== 'object') return { ok: false, problem: `${workflowId}: its input carries no alert event` };
  if (firing.status === 'resolved') return { ok: false, problem: `cannot resolve: ${workflowId} is the delivery of a resolved event (alert ${firing.alertId}); resolve the firing delivery instead` };
  const event = { ...firing, status: 'resolved' as const };
  const check = alertEventSchema.safeParse(event);
  if (!check.success) return { ok: false, problem: `cannot resolve: the delivery's event is not a valid AlertEvent: ${check.error.issues.map((i) => `${i.path.map(String).join('.') || '(event)'}: ${i.message}`).join('; ')}` };
  return { ok: true, event, ...(req.stream ? { stream: req.stream } : {}) };
}
