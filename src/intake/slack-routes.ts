// The Slack app's interactivity endpoint (docs/channels.md, "Slack as an app"): POST /slack/interactions, the
// "Request URL" of the app's Interactivity settings. Outside the bearer-token scope: Slack proves itself by the
// request's signature, checked over the raw body (slack-signature.ts) before anything is parsed; a missing, stale
// or wrong signature is refused with 401 and nothing is done. A press is answered 200 at once (Slack wants an answer
// within 3 seconds); its action then runs and redraws the message (slack-interactions.ts). A stop waits for
// presses in hand.
import type { createJsonApp } from '../http/json-app';
import type { Logger } from '../logger';
import { slackActionOf } from '../channels/slack-actions';
import { intakeSlackPresses } from './metrics';
import { handleSlackPress, type SlackInteractionDeps, type SlackPress } from './slack-interactions';
import { verifySlackSignature } from './slack-signature';

/** A workflow ID as a button carries it: `<stream>:<message ID>`, printable, bounded. */
const WORKFLOW_ID = /^[\x21-\x7e]{1,512}$/;

/** The press a signed request carries, or why it is not one of ours. */
export function readPress(raw: Buffer): SlackPress | { ignored: string } {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(new URLSearchParams(raw.toString('utf8')).get('payload') ?? '') as Record<string, unknown>;
  } catch {
    return { ignored: 'no JSON payload' };
  }
  if (payload?.type !== 'block_actions') return { ignored: `payload type ${String(payload?.type).slice(0, 40)}` };
  const actions = Array.isArray(payload.actions) ? (payload.actions as Record<string, unknown>[]) : [];
  const a = actions.find((x) => slackActionOf(x?.action_id));
  const action = slackActionOf(a?.action_id);
  const workflowId = a?.value;
  if (!action || typeof workflowId !== 'string' || !WORKFLOW_ID.test(workflowId)) return { ignored: 'not one of our buttons' };
  const user = (payload.user ?? {}) as Record<string, unknown>;
  if (typeof user.id !== 'string') return { ignored: 'no user' };
  const name = [user.username, user.name].find((n): n is string => typeof n === 'string' && n.length > 0) ?? user.id;
  const message = payload.message as SlackPress['message'] | undefined;
  return {
    action, workflowId, user: { id: user.id, name: name.slice(0, 80) },
    ...(typeof payload.response_url === 'string' ? { responseUrl: payload.response_url } : {}),
    ...(message && typeof message === 'object' ? { message } : {}),
  };
}

export function registerSlackRoutes(app: ReturnType<typeof createJsonApp>, deps: SlackInteractionDeps, log: Logger, now: () => number = Date.now): void {
  const inHand = new Set<Promise<unknown>>();
  void app.register((slack, _opts, done) => {
    // the raw body: the signature is over the bytes as sent
    slack.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, parsed) => parsed(null, body));
    slack.addHook('onClose', async () => {
      await Promise.allSettled([...inHand]);
    });
    slack.post('/slack/interactions', async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifySlackSignature(deps.signingSecret, { timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] }, raw, now());
      if (!check.ok) {
        intakeSlackPresses.inc({ result: `refused_${check.reason}` });
        log.info({ reason: check.reason, ip: req.ip }, 'slack request refused: signature');
        return reply.code(401).send({ error: check.reason === 'stale' ? 'request timestamp outside the 5-minute window' : 'invalid or missing Slack signature' });
      }
      const press = readPress(raw);
      if ('ignored' in press) {
        intakeSlackPresses.inc({ result: 'ignored' });
        log.info({ why: press.ignored }, 'slack request ignored');
        return reply.code(200).send();
      }
      const work = handleSlackPress(deps, log, press, now()).then((o) => intakeSlackPresses.inc({ result: `${o.action}_${o.result}` }));
      inHand.add(work);
      void work.finally(() => inHand.delete(work));
      return reply.code(200).send();
    });
    done();
  });
}
