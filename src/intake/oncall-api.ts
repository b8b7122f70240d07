// What the intake's on-call routes (./oncall-routes.ts, ./oncall-feeds.ts) are built over.
import type { OnCallFile } from '../oncall/file';
import type { OverrideStore } from '../oncall/overrides';

export interface OnCallApi {
  /** The on-call file in force (OnCallDirectory): read once per request, so one answer comes from one version. */
  directory: { current(): OnCallFile };
  overrides: OverrideStore;
  /** Makes sure the override index exists with its mapping (once; again after a failure: ensureOnce). */
  ensureIndex: () => Promise<void>;
  /** Where OpenSearch is, for the 503 message (never a secret). */
  where: string;
  /** ONCALL_ICAL_SECRET: signs the calendar feeds' tokens; absent: the feeds are off (404). */
  icalSecret?: Buffer;
}
