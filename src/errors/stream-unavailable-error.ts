/** The intake could not add a request's alerts to the stream (Redis down or too slow): the request answers 503 and the sender retries. */
export class StreamUnavailableError extends Error {
  constructor(
    readonly stream: string,
    readonly reason: string,
    /** The entries are in the stream, but fewer replicas than INTAKE_WAIT_REPLICAS confirmed them in time. */
    readonly written = false,
  ) {
    super(`stream ${stream}: ${reason}`);
    this.name = this.constructor.name;
  }
}
