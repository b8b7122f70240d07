/**
 * The document an alert's delivery ID points at already holds a different alert (e.g. a stream that was
 * deleted and re-created, so message IDs repeat, with the index kept). Never a skip: the new alert
 * would otherwise be silently dropped, so the delivery ends visibly as `rejected` with this reason.
 */
export class AlertConflictError extends Error {
  constructor(
    readonly deliveryId: string,
    readonly existingAlertId: string | undefined,
    readonly alertId: string,
  ) {
    super(`document ${deliveryId} already holds alert "${existingAlertId ?? '(unknown)'}", not "${alertId}"`);
    this.name = this.constructor.name;
  }
}
