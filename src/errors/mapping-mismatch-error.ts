import { StartupCheckError } from './startup-check-error';

export interface FieldMismatch {
  field: string;
  found: string;
  expected: string;
}

/**
 * The alert index exists with a mapping that would make the service silently wrong
 * (e.g. `view` as analyzed `text`: every term filter on it returns nothing) — or, in rollover mode,
 * the index template would create the next index that way.
 */
export class MappingMismatchError extends StartupCheckError {
  constructor(
    readonly index: string,
    readonly mismatches: FieldMismatch[],
    /** What is mapped wrongly (default: the index) and how to fix it (default: reindex). */
    where: { subject?: string; fix?: string } = {},
  ) {
    super(
      'OpenSearch',
      `${where.subject ?? `index "${index}"`} has fields mapped wrongly:\n` +
        mismatches.map((m) => `  - field "${m.field}": found ${m.found}, expected ${m.expected}`).join('\n') +
        `\nFix: ${where.fix ?? `reindex into an index created by this service (or delete "${index}" if its data is disposable) and restart.`}`,
    );
    this.name = this.constructor.name;
  }
}
