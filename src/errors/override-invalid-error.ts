/** An on-call override that cannot be made as asked (unknown schedule or person, end not after start, no author …). */
export class OverrideInvalidError extends Error {
  constructor(
    /** One line per problem, each naming the field. */
    readonly problems: string[],
  ) {
    super(`invalid override: ${problems.join('; ')}`);
    this.name = this.constructor.name;
  }
}
