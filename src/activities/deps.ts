// What the activities are built over: the process's connections and settings (one object, made by the worker).
import { ApplicationFailure } from '@temporalio/activity';
import type { AckLinkSettings } from '../ack-links';
import type { ChannelRegistry } from '../channels/registry';
import type { AlertConflictError, StoreRefusedError } from '../errors';
import type { ParkPolicy } from '../contracts/channels';
import type { AlertStore } from '../store';
import type { SilenceLookup } from '../storm/screen';
import type { GroupDeps } from './groups';
import type { OnCallLookup } from './oncall-lookup';

export interface ActivityDeps {
  store: AlertStore;
  channels: ChannelRegistry;
  park: ParkPolicy;
  /** ALERT_LIFECYCLE (default on): off skips the incident claim (see persistAlert). */
  lifecycle?: boolean;
  /** Set: firing notifications of a page carry an ack link (`ackUrl`). */
  ackLinks?: AckLinkSettings;
  /** The active silences (storm control); absent: nothing is silenced. */
  silences?: SilenceLookup;
  /** The group workflows' client and settings (storm control); absent: a grouped route's alert fails to join, visibly. */
  groups?: GroupDeps;
  /** The on-call file and overrides (ONCALL_FILE): escalation levels that page people; absent: such a level fails visibly. */
  oncall?: OnCallLookup;
}

/** A store refusal as a non-retryable failure: the workflow ends visibly instead of retrying forever. */
export function refused(e: StoreRefusedError | AlertConflictError): ApplicationFailure {
  return ApplicationFailure.create({ type: e.name, message: e.message, nonRetryable: true });
}
