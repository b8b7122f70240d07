// The ack link's pages: GET /ack/:token shows the confirmation form, POST /ack/:token (form field `by`) acknowledges.
// The same pages answer the short form an SMS carries, /a/:token (src/ack-links/short.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyAckToken, verifyShortAckToken, type AckTokenCheck } from '../ack-links';
import type { AckOutcome } from './acknowledge';
import { intakeAcks } from './metrics';
import { PAGE_HEADERS, confirmPage, messagePage } from './pages';
import type { IntakeDeps } from './deps';

const FORM_BODY_LIMIT = 4096;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Registers the ack routes on `ack` (an encapsulated context: its form parser stays its own). With ACK_SECRET only. */
export function registerAckRoutes(ack: FastifyInstance, deps: IntakeDeps, secret: Buffer): void {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const acknowledge = deps.acknowledge!;
  const checkToken = (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    const verify: (token: string, secret: Buffer, now: number) => AckTokenCheck = req.routeOptions.url === '/a/:token' ? verifyShortAckToken : verifyAckToken;
    const r = verify(req.params.token, secret, now());
    if (r.ok) return r;
    intakeAcks.inc({ result: r.reason === 'expired' ? 'expired' : 'invalid' });
    log.info({ reason: r.reason }, 'ack link refused');
    if (r.reason === 'expired') void sendPage(reply, 410, messagePage('This link has expired', 'Acknowledge the alert another way, e.g. with alertctl or in the Temporal Web UI.'));
    else void sendPage(reply, 400, messagePage('This link is not valid', 'Check that the whole link was copied, or acknowledge the alert another way.'));
    return undefined;
  };

  ack.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, parsed) => {
    parsed(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  for (const path of ['/ack/:token', '/a/:token']) {
    ack.get<{ Params: { token: string } }>(path, (req, reply) => {
      const t = checkToken(req, reply);
      if (t) return sendPage(reply, 200, confirmPage(t.workflowId, t.expiresAt));
      return reply;
    });
    ack.post<{ Params: { token: string }; Body: unknown }>(path, postAck);
  }

  async function postAck(req: FastifyRequest<{ Params: { token: string }; Body: unknown }>, reply: FastifyReply): Promise<FastifyReply> {
    const t = checkToken(req, reply);
    if (!t) return reply;
    const raw = (req.body as { by?: unknown } | undefined)?.by;
    const by = typeof raw === 'string' ? raw.trim() : '';
    const problem = !by ? 'Enter your name.' : by.length > 128 ? 'The name is longer than 128 characters.' : CONTROL.test(by) ? 'The name contains control characters.' : undefined;
    if (problem) return sendPage(reply, 400, confirmPage(t.workflowId, t.expiresAt, problem, typeof raw === 'string' ? raw.slice(0, 128) : ''));
    const outcome = await acknowledge(t.workflowId, { by, via: 'link' });
    intakeAcks.inc({ result: outcome.kind === 'acknowledged' ? 'acknowledged' : outcome.kind.replace('-', '_') });
    log.info({ workflowId: t.workflowId, by, outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) }, 'ack link submitted');
    const [status, html] = ackPage(outcome, by);
    return sendPage(reply, status, html);
  }
}

export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

/** The answer to an acknowledgement: 200, 404 (no such delivery), 409 (refused or already over, with the reason), 503. */
export function ackPage(outcome: AckOutcome, by: string): [number, string] {
  switch (outcome.kind) {
    case 'acknowledged':
      return [200, messagePage('Acknowledged', `Thank you, ${by}: the alert is acknowledged and its escalation stops.`)];
    case 'not-found':
      return [404, messagePage('Alert not found', 'There is no delivery for this link (it may be older than the history Temporal keeps).')];
    case 'finished':
      return [409, messagePage('Nothing to acknowledge', 'This alert\'s delivery has already ended.')];
    case 'rejected':
      return [409, messagePage('Not acknowledged', 'The alert did not accept the acknowledgement.', `Reason: ${outcome.reason.slice(0, 500)}`)];
    case 'unavailable':
      return [503, messagePage('Try again in a moment', 'The acknowledgement could not be delivered right now; nothing was changed.')];
  }
}
