// The delivery activities, built by a factory over the process's connections, one concept a file. Each is
// idempotent: Temporal may run any of them more than once (a local activity again when its workflow task is lost).
import type { ActivityDeps } from './deps';
import { createGroupActivities } from './groups';
import { createHoldActivities } from './holds';
import { createNotifyActivities } from './notify';
import { createOnCallActivities } from './oncall';
import { createPersistActivities } from './persist';
import { createRecordActivities } from './record';

export type { ActivityDeps } from './deps';
export { ackUrlFor, type NotifyInput } from './notify';
export type { OnCallLookup } from './oncall-lookup';
export { LIFECYCLE_OFF_RESOLVED } from './persist';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createGroupActivities(deps.store, deps.park, deps.groups),
    ...createPersistActivities(deps),
    ...createHoldActivities(deps),
    ...createNotifyActivities(deps),
    ...createOnCallActivities(deps),
    ...createRecordActivities(deps),
  };
}
