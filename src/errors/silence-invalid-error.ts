/** A silence that cannot be created as asked (no matchers, a bad matcher, ends before it starts, no comment …). */
export class SilenceInvalidError extends Error {
  constructor(
    /** One line per problem, each naming the field. */
    readonly problems: string[],
  ) {
    super(`invalid silence: ${problems.join('; ')}`);
    this.name = this.constructor.name;
  }
}
