// The names and IDs every process agrees on: task queue, workflow types, the delivery ID.
export const DEFAULT_TASK_QUEUE = 'alert-delivery';
export const WORKFLOW_TYPE = 'deliverAlert';

/**
 * Workflow ID = `<stream>:<message ID>`: a redelivered stream entry can never start a second delivery.
 * It is also the delivery ID: the document `_id` and every channel's idempotency key, unique across
 * streams (message IDs are timestamps, so two streams' IDs collide as a matter of course).
 */
export function workflowIdFor(stream: string, messageId: string): string {
  return `${stream}:${messageId}`;
}
/** When a stream entry reached the stream: its message ID's milliseconds (Redis's clock at XADD); undefined when not an ID. */
export function enqueuedAtOf(messageId: string): number | undefined {
  const ms = /^(\d+)-\d+$/.exec(messageId)?.[1];
  return ms === undefined ? undefined : Number(ms);
}
export const GROUP_WORKFLOW_TYPE = 'alertGroup';
