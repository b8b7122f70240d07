/**
 * OpenSearch refused a write for a reason that retrying cannot fix: a 4xx other than 408, 409 and 429
 * (e.g. `mapper_parsing_exception` for a value the mapping cannot hold, `document_missing_exception`).
 * Activities turn it into a non-retryable failure, so the delivery ends visibly instead of looping.
 */
export class StoreRefusedError extends Error {
  constructor(
    /** What was written: `create`, `update`, `reject`. */
    readonly operation: string,
    readonly status: number,
    /** OpenSearch's error type. */
    readonly type: string,
    reason: string,
  ) {
    super(`OpenSearch refused the ${operation} (${status} ${type}): ${reason.slice(0, 500)}`);
    this.name = this.constructor.name;
  }
}
