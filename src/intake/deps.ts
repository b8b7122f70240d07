// What the intake's HTTP API is built over (buildIntakeServer and its routes).
import type { ConsoleDeps } from '../console/deps';
import type { Logger } from '../logger';
import type { Acknowledge } from './acknowledge';
import type { IntakeConfig } from './config';
import type { OnCallApi } from './oncall-api';
import type { SilenceApi } from './silences';
import type { PhoneCallbacks } from './twilio-routes';
import type { SlackInteractionDeps } from './slack-interactions';
import type { ValidateLimits } from './validate';

export interface IntakeDeps {
  cfg: Pick<IntakeConfig, 'auth' | 'tokens' | 'bodyLimit' | 'maxAlerts' | 'ackSecret' | 'alertmanager'>;
  log: Logger;
  /** Adds `event` entries to the stream, all or none; resolves with the message IDs in order. */
  writer: { readonly stream: string; add(entries: string[], fields?: string[]): Promise<string[]> };
  limits: ValidateLimits;
  /** The `acknowledge` update (required when cfg.ackSecret is set). */
  acknowledge?: Acknowledge;
  /** The silence API (absent: its routes answer 404). */
  silences?: SilenceApi;
  /** The on-call API and calendar feeds (absent: no ONCALL_FILE, the API answers 404 saying so). */
  oncall?: OnCallApi;
  /** The Slack app's button presses (absent: no SLACK_SIGNING_SECRET, /slack/interactions answers 404). */
  slack?: SlackInteractionDeps;
  /** The SMS and voice provider's callbacks (with cfg.ackSecret; absent: their routes answer 404). */
  phone?: PhoneCallbacks;
  /** The operator console under /console (absent: no CONSOLE_SESSION_SECRET, /console answers 404). */
  console?: ConsoleDeps;
  /** For /readyz. */
  ready: () => boolean;
  /** The clock ack tokens are checked against (tests). */
  now?: () => number;
}
