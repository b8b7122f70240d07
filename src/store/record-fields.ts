// The fields of an alert document that record a delivery's state (store.record, and a grouped member's record).
import type { DeliveryState, Suppression } from '../contracts/delivery';
import { suppressedByValue } from '../contracts/search-attributes';

/** The document's words for a suppression: which silence (its comment, by whom, until when) or which alert inhibits. */
function suppressionNote(s: Suppression): string {
  return s.kind === 'silence'
    ? `silence ${s.silenceId} by ${s.createdBy} until ${s.endsAt}: ${s.comment}`.slice(0, 2000)
    : `inhibited by alert ${s.by.alertId} (delivery ${s.by.deliveryId}), inhibit rule ${s.rule}`;
}

export function recordFields(state: DeliveryState): Record<string, unknown> {
  return {
    delivered: state.status === 'delivered',
    deliveryStatus: state.status,
    deliveries: state.channels,
    rounds: state.rounds,
    parkedAt: state.parkedAt,
    abandonReason: state.abandonReason,
    ...(state.rejectReason ? { rejectReason: state.rejectReason.slice(0, 2000) } : {}),
    ...(state.incident ? { incidentRole: state.incident.role, incidentNote: 'reason' in state.incident ? state.incident.reason : null, incidentOf: 'of' in state.incident ? state.incident.of : null } : {}),
    ...(state.resolvedBy ? { resolvedBy: state.resolvedBy } : {}),
    ...(state.incidentState ? { incidentState: state.incidentState } : {}),
    ...(state.ack ? { ackedBy: state.ack.by, ackedAt: state.ack.at, ackedVia: state.ack.via } : {}),
    ...(state.escalationLevel !== undefined ? { escalationLevel: state.escalationLevel } : {}),
    ...(state.paging ? { paging: state.paging, pagedPeople: [...new Set(state.paging.flatMap((l) => l.paged.map((p) => p.person)))] } : {}),
    ...(state.group ? { groupId: state.group.id, ...(state.group.notificationKey ? { groupNotificationKey: state.group.notificationKey } : {}) } : {}),
    ...(state.suppressedBy ? { suppressedBy: suppressedByValue(state.suppressedBy), suppressionNote: suppressionNote(state.suppressedBy) } : {}),
  };
}
