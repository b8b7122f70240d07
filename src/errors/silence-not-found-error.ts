/** No silence with this ID in the silence index. */
export class SilenceNotFoundError extends Error {
  constructor(readonly id: string, readonly index: string) {
    super(`no silence ${JSON.stringify(id)} in index "${index}"`);
    this.name = this.constructor.name;
  }
}
