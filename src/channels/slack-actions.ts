// The buttons of a Slack app message (docs/channels.md, "Slack as an app"), shared by the channel that posts them
// (slack-app.ts) and the intake that answers them (src/intake/slack-interactions.ts): Acknowledge, Resolve and
// Silence 1 h, each carrying the delivery's workflow ID as its value. Slack signs every press with the app's
// signing secret, so the value comes back as posted. After a press, the message is redrawn by `afterAction`: the
// buttons still useful, and a line saying who did what and the incident's state.
import { escapeMrkdwn, truncate, SLACK_LIMITS } from './slack';

export const SLACK_ACTIONS = {
  acknowledge: 'alert.acknowledge',
  resolve: 'alert.resolve',
  silence: 'alert.silence_1h',
} as const;
export type SlackAction = keyof typeof SLACK_ACTIONS;

/** The action's kind for an `action_id`, or undefined when it is not one of ours. */
export function slackActionOf(actionId: unknown): SlackAction | undefined {
  return (Object.keys(SLACK_ACTIONS) as SlackAction[]).find((k) => SLACK_ACTIONS[k] === actionId);
}

/** The block IDs the redraw finds its own blocks by. */
export const ACTIONS_BLOCK = 'alert-actions';
export const OUTCOME_BLOCK = 'alert-outcome';

/** How long "Silence 1 h" silences the alert. */
export const SILENCE_FOR_MS = 60 * 60_000;

const BUTTONS: Record<SlackAction, { text: string; style?: 'primary' | 'danger' }> = {
  acknowledge: { text: 'Acknowledge', style: 'primary' },
  resolve: { text: 'Resolve' },
  silence: { text: 'Silence 1 h', style: 'danger' },
};

/** An actions block with these buttons for the delivery `workflowId` (none: no block). */
export function actionsBlock(workflowId: string, actions: SlackAction[] = ['acknowledge', 'resolve', 'silence']): object[] {
  if (!actions.length) return [];
  return [{
    type: 'actions',
    block_id: ACTIONS_BLOCK,
    elements: actions.map((a) => ({
      type: 'button',
      action_id: SLACK_ACTIONS[a],
      text: { type: 'plain_text', text: BUTTONS[a].text },
      value: workflowId,
      ...(BUTTONS[a].style ? { style: BUTTONS[a].style } : {}),
    })),
  }];
}

/** What a press came to, for the line under the message. */
export interface ActionOutcome {
  action: SlackAction;
  /** Whom it is recorded as: the person of the on-call file, or the Slack user. */
  by: string;
  /** Done now, or already so (`already`), or refused / not possible now (`failed`, with the reason). */
  result: 'done' | 'already' | 'failed';
  /** The incident's state after it, when known (firing | acknowledged | resolved). */
  incidentState?: string;
  reason?: string;
}

const DONE: Record<SlackAction, string> = { acknowledge: 'Acknowledged', resolve: 'Resolved', silence: 'Silenced for 1 h' };

/** The outcome line (mrkdwn): every value escaped. */
export function outcomeText(o: ActionOutcome): string {
  const by = escapeMrkdwn(o.by);
  const state = o.incidentState ? ` · incident ${escapeMrkdwn(o.incidentState)}` : '';
  if (o.result === 'failed') return truncate(`:warning: ${BUTTONS[o.action].text} by ${by} did not go through: ${escapeMrkdwn(o.reason ?? 'unknown reason')}${state}`, SLACK_LIMITS.context);
  const mark = o.action === 'silence' ? ':no_bell:' : ':white_check_mark:';
  return truncate(`${mark} ${DONE[o.action]} by ${by}${o.result === 'already' ? ' (it already was)' : ''}${state}`, SLACK_LIMITS.context);
}

/** The buttons still useful after an outcome: none once resolved; Resolve (and Silence, unless just used) once acknowledged. */
function remaining(o: ActionOutcome): SlackAction[] {
  const ok = o.result !== 'failed';
  if (o.incidentState === 'resolved' || (ok && o.action === 'resolve')) return [];
  // a silence acknowledges too (slack-interactions.ts)
  if (o.incidentState === 'acknowledged' || ok) return ok && o.action === 'silence' ? ['resolve'] : ['resolve', 'silence'];
  return ['acknowledge', 'resolve', 'silence'];
}

/** The message's blocks redrawn after an outcome: its own content kept, our old buttons and line replaced. */
export function afterAction(blocks: unknown, workflowId: string, o: ActionOutcome): object[] {
  const kept = (Array.isArray(blocks) ? blocks : []).filter((b): b is object => {
    const id = (b as { block_id?: unknown } | null)?.block_id;
    return !!b && typeof b === 'object' && id !== ACTIONS_BLOCK && id !== OUTCOME_BLOCK;
  });
  return [
    ...kept,
    { type: 'context', block_id: OUTCOME_BLOCK, elements: [{ type: 'mrkdwn', text: outcomeText(o) }] },
    ...actionsBlock(workflowId, remaining(o)),
  ];
}
