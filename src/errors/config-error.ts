/** A setting (environment variable or channels file) is missing or invalid. Thrown at start-up; the process exits. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** One line per problem, each naming the setting. */
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message);
    this.name = this.constructor.name;
  }
}
