/** The receiver refused the alert in a way that retrying cannot fix (e.g. HTTP 400, 401, 404). Not retried. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}
