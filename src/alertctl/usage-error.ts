// alertctl's exit-code classes: see src/alertctl.ts.
/** Exit 2: the command line is wrong (unknown flag, bad value, missing argument). Printed as one line plus a usage hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}
