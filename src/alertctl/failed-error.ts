// alertctl's exit-code classes: see src/alertctl.ts.
/** Exit 1: the command ran and failed, or was refused (by the workflow, Temporal, Redis …). */
export class FailedError extends Error {
  override name = 'FailedError';
}
