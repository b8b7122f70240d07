/** A stream entry that cannot become a delivery (no `event`, bad JSON, schema violation, too large). */
export class InvalidEntryError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = this.constructor.name;
  }
}
