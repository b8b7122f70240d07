// alertctl's exit-code classes: see src/alertctl.ts.
/** Exit 1: the thing asked for does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
