/** A dependency is not as the service needs it (unreachable, misconfigured). Thrown at start-up; the process exits. */
export class StartupCheckError extends Error {
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(`${component}: ${message}`);
    this.name = this.constructor.name;
  }
}
