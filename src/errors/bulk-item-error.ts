/** One operation of an OpenSearch `_bulk` request failed (the request itself succeeded). */
export class BulkItemError extends Error {
  constructor(
    readonly status: number,
    /** OpenSearch's error type, e.g. `version_conflict_engine_exception`, `index_not_found_exception`. */
    readonly type: string,
    reason: string,
    /** The concrete index the operation resolved to (also when addressed through an alias). */
    readonly index?: string,
  ) {
    super(`OpenSearch ${status} ${type}: ${reason}`);
    this.name = this.constructor.name;
  }
}
