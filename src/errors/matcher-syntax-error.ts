/** A label matcher that is not written as Alertmanager writes them (`name="value"`, `!=`, `=~`, `!~`). */
export class MatcherSyntaxError extends Error {
  constructor(readonly text: string, readonly reason: string) {
    super(`matcher ${JSON.stringify(text)}: ${reason}`);
    this.name = this.constructor.name;
  }
}
