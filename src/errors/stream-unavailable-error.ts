/** The intake could not add a request's alerts to the stream (Redis down or too slow): the request answers 503 and the sender retries. */
export class StreamUnavailableError extends Error {
  constructor(
    readonly stream: string,
    reason: string,
  ) {
    super(`stream ${stream}: ${reason}`);
    this.name = this.constructor.name;
  }
}
