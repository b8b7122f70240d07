/** One operation of an OpenSearch `_bulk` request failed (the request itself succeeded). */
export class BulkItemError extends Error {
  constructor(
    readonly status: number,
    /** OpenSearch's error type, e.g. `version_conflict_engine_exception`, `index_not_found_exception`. */
    readonly type: string,
    reason: string,
  ) {
    super(`OpenSearch ${status} ${type}: ${reason}`);
    this.name = this.constructor.name;
  }
}
