/** No on-call override with this ID in the override index. */
export class OverrideNotFoundError extends Error {
  constructor(readonly id: string, readonly index: string) {
    super(`no override ${JSON.stringify(id)} in index "${index}"`);
    this.name = this.constructor.name;
  }
}
