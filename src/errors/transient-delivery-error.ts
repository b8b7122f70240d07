/** The receiver could not take the alert now (5xx, 408, 429, timeout, connection error). Retried with backoff. */
export class TransientDeliveryError extends Error {
  constructor(
    message: string,
    /** The receiver's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}
