// What a press of a Slack app message's button does (docs/channels.md, "Slack as an app"), once its signature is
// checked (slack-routes.ts): Acknowledge runs the `acknowledge` update, as an ack link does; Resolve appends the
// firing delivery's resolved event to the stream, as `alertctl resolve` does; Silence 1 h adds a silence of the alert
// (matcher `alertId="<its ID>"`) for an hour and acknowledges the incident, so its escalation stops too. Then the
// message is redrawn through the press's `response_url`: who did what, the incident's state, the buttons left.
//
// Once, however often it is pressed, by however many people, on however many intakes: an acknowledgement is the
// workflow's to refuse the second time (it answers "already acknowledged"); a resolve and a silence first claim a
// key in Redis (`SET NX`, for ONCE_TTL_S), and give it back when they fail, so a later press can try again.
//
// The presser is recorded as the person of the on-call file whose contact is their Slack member ID, else as
// `slack:<their Slack user name>`. The member ID itself is never logged.
import type { Acknowledge, AckOutcome } from './acknowledge';
import type { Logger } from '../logger';
import type { ActionOutcome, SlackAction } from '../channels/slack-actions';
import { SILENCE_FOR_MS, afterAction } from '../channels/slack-actions';
import type { AlertEvent } from '../contracts/alert';
import type { NewSilence } from '../storm/silences';

/** How long a resolve's or a silence's claim is kept: as long as an ack link works by default. */
export const ONCE_TTL_S = 7 * 86_400;

export interface SlackInteractionDeps {
  /** The app's signing secret (SLACK_SIGNING_SECRET). */
  signingSecret: Buffer;
  /** SLACK_RESPONSE_URLS: the prefixes a response_url must start with. */
  responseUrls: string[];
  acknowledge: Acknowledge;
  /** The firing event of the delivery, as resolved (src/lifecycle/resolve-event.ts), or why there is none. */
  resolvedEvent: (workflowId: string) => Promise<{ ok: true; event: AlertEvent } | { ok: false; problem: string }>;
  /** Appends the event to the stream; resolves with its message ID. */
  publish: (event: AlertEvent) => Promise<string>;
  /** Adds a silence; resolves with its ID. */
  addSilence: (silence: NewSilence) => Promise<string>;
  /** Claims `key` (true: first claim); `release` gives it back. */
  claim: (key: string, ttlS: number) => Promise<boolean>;
  release: (key: string) => Promise<void>;
  /** The person whose contact is this Slack member ID, if any. */
  personOf: (slackUserId: string) => string | undefined;
  /** Posts the redrawn message to a press's response_url. */
  respond: (url: string, body: object) => Promise<void>;
}

/** The parts of a `block_actions` payload a press needs. */
export interface SlackPress {
  action: SlackAction;
  workflowId: string;
  user: { id: string; name: string };
  responseUrl?: string;
  message?: { text?: string; blocks?: unknown };
}

const byOf = (deps: SlackInteractionDeps, user: SlackPress['user']) => deps.personOf(user.id) ?? `slack:${user.name}`;

/** An acknowledgement's outcome as the message shows it. */
function ackOutcome(action: SlackAction, by: string, o: AckOutcome): ActionOutcome {
  switch (o.kind) {
    case 'acknowledged':
      return { action, by, result: 'done', ...(o.state.incidentState ? { incidentState: o.state.incidentState } : {}) };
    case 'rejected':
      return /already acknowledged/i.test(o.reason) ? { action, by, result: 'already', incidentState: 'acknowledged' }
        : /resolved/i.test(o.reason) ? { action, by, result: 'failed', reason: 'the incident is resolved', incidentState: 'resolved' }
          : { action, by, result: 'failed', reason: o.reason.slice(0, 300) };
    case 'finished':
      return { action, by, result: 'failed', reason: 'the delivery has ended' };
    case 'not-found':
      return { action, by, result: 'failed', reason: 'no such delivery' };
    case 'unavailable':
      return { action, by, result: 'failed', reason: 'Temporal did not answer; press again in a moment' };
  }
}

/** Runs `work` under the claim `key`: `already` when someone claimed it first; the claim is given back on failure. */
async function once(deps: SlackInteractionDeps, key: string, press: SlackPress, by: string, work: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
  if (!await deps.claim(key, ONCE_TTL_S)) return { action: press.action, by, result: 'already', ...(press.action === 'resolve' ? { incidentState: 'resolved' } : {}) };
  try {
    const outcome = await work();
    if (outcome.result === 'failed') await deps.release(key);
    return outcome;
  } catch (e) {
    await deps.release(key).catch(() => undefined);
    throw e;
  }
}

async function resolve(deps: SlackInteractionDeps, press: SlackPress, by: string): Promise<ActionOutcome> {
  return once(deps, `slack:resolve:${press.workflowId}`, press, by, async () => {
    const found = await deps.resolvedEvent(press.workflowId);
    if (!found.ok) return { action: 'resolve', by, result: 'failed', reason: found.problem.slice(0, 300) };
    await deps.publish(found.event);
    return { action: 'resolve', by, result: 'done', incidentState: 'resolved' };
  });
}

async function silence(deps: SlackInteractionDeps, press: SlackPress, by: string, now: number): Promise<ActionOutcome> {
  const silenced = await once(deps, `slack:silence:${press.workflowId}`, press, by, async () => {
    const found = await deps.resolvedEvent(press.workflowId);
    if (!found.ok) return { action: 'silence', by, result: 'failed', reason: found.problem.slice(0, 300) };
    await deps.addSilence({
      matchers: [{ name: 'alertId', op: '=', value: found.event.alertId }],
      startsAt: new Date(now), endsAt: new Date(now + SILENCE_FOR_MS), createdBy: by,
      comment: `Silence 1 h, pressed in Slack on the message of delivery ${press.workflowId}`,
    });
    return { action: 'silence', by, result: 'done' };
  });
  if (silenced.result === 'failed') return silenced;
  // The incident in hand stops escalating as well; one acknowledged already stays as it was.
  const acked = ackOutcome('silence', by, await deps.acknowledge(press.workflowId, { by, via: 'slack', note: 'silenced for 1 h' }));
  return { ...silenced, ...(acked.incidentState ? { incidentState: acked.incidentState } : {}) };
}

/** Does what `press` asks, once, and redraws its message; never throws (a failure is shown in the message and logged). */
export async function handleSlackPress(deps: SlackInteractionDeps, log: Logger, press: SlackPress, now = Date.now()): Promise<ActionOutcome> {
  const by = byOf(deps, press.user);
  let outcome: ActionOutcome;
  try {
    outcome = press.action === 'acknowledge'
      ? ackOutcome('acknowledge', by, await deps.acknowledge(press.workflowId, { by, via: 'slack' }))
      : press.action === 'resolve' ? await resolve(deps, press, by) : await silence(deps, press, by, now);
  } catch (e) {
    outcome = { action: press.action, by, result: 'failed', reason: 'it could not be done right now; press again in a moment' };
    log.warn({ workflowId: press.workflowId, action: press.action, by, err: (e as Error).message }, 'slack button failed');
  }
  log.info({ workflowId: press.workflowId, action: press.action, by, result: outcome.result, ...(outcome.reason ? { reason: outcome.reason } : {}) }, 'slack button pressed');
  const url = press.responseUrl;
  if (url && deps.responseUrls.some((p) => url.startsWith(p))) {
    const body = { replace_original: true, ...(press.message?.text ? { text: press.message.text } : {}), blocks: afterAction(press.message?.blocks, press.workflowId, outcome) };
    await deps.respond(url, body).catch((e: Error) => log.warn({ workflowId: press.workflowId, err: e.message }, 'slack message not redrawn'));
  } else if (url) log.warn({ workflowId: press.workflowId }, 'slack response_url not under SLACK_RESPONSE_URLS: message not redrawn');
  return outcome;
}
