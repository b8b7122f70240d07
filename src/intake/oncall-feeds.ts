// The on-call calendar feeds (docs/intake.md, "Calendar feeds"), which calendar apps subscribe to:
//   GET /oncall/ical/schedules/<id>.ics?token=…   a schedule's shifts
//   GET /oncall/ical/people/<id>.ics?token=…      a person's shifts across every schedule
// No bearer token (a calendar app cannot send one): the token in the query is the HMAC of the feed's path with
// ONCALL_ICAL_SECRET (src/oncall/ical-tokens.ts), so it opens that one feed. Registered only with the secret set
// (otherwise the paths answer 404). A wrong token is refused (403) before the subject is looked up, so a refusal says
// nothing about which IDs exist. The feed names people, never a contact; the token is never logged.
import { errors as opensearchErrors } from '@opensearch-project/opensearch';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { routeOf } from '../http/json-app';
import type { Logger } from '../logger';
import { feedPath, verifyFeedToken, type FeedSubject } from '../oncall/ical-tokens';
import { personCalendar, scheduleCalendar } from '../schedules/ical-export';
import type { Override } from '../schedules/types';
import type { OnCallApi } from './oncall-api';

/** The span of the overrides a feed reads: its window (14 days back, 60 ahead) and the shifts cut by its edges. */
const OVERRIDES_BACK_MS = 420 * 86_400_000;
const OVERRIDES_AHEAD_MS = 470 * 86_400_000;

type FeedRequest = FastifyRequest<{ Params: { file: string }; Querystring: { token?: string } }>;

export function registerFeedRoutes(feeds: FastifyInstance, deps: OnCallApi, secret: Buffer, log: Logger): void {
  feeds.get('/oncall/ical/schedules/:file', (req: FeedRequest, reply) => serve(req, reply, 'schedule', deps, secret, log));
  feeds.get('/oncall/ical/people/:file', (req: FeedRequest, reply) => serve(req, reply, 'person', deps, secret, log));
}

async function serve(req: FeedRequest, reply: FastifyReply, kind: 'schedule' | 'person', deps: OnCallApi, secret: Buffer, log: Logger): Promise<FastifyReply> {
  const m = /^(.+)\.ics$/.exec(req.params.file);
  if (!m) return reply.code(404).send({ error: 'not found' });
  const id = m[1];
  const subject: FeedSubject = kind === 'schedule' ? { schedule: id } : { person: id };
  if (!verifyFeedToken(secret, feedPath(subject), req.query.token)) {
    log.info({ route: routeOf(req), reason: req.query.token ? 'wrong' : 'missing', ip: req.ip }, 'calendar feed refused: token');
    return reply.code(403).send({ error: req.query.token ? 'invalid feed token' : 'a feed token is required: ?token=… (alertctl oncall ical-url prints the URL)' });
  }
  const file = deps.directory.current();
  const known = kind === 'schedule' ? file.schedules.has(id) : file.people.has(id);
  if (!known) return reply.code(404).send({ error: `no ${kind} ${JSON.stringify(id)} in the on-call file` });
  const now = Date.now();
  const overridesOf = (schedule: string) => deps.overrides.overlapping(schedule, now - OVERRIDES_BACK_MS, now + OVERRIDES_AHEAD_MS);
  const personName = (p: string) => file.people.get(p)?.name;
  let text: string;
  try {
    if (kind === 'schedule') text = scheduleCalendar(file.schedules.get(id)!, await overridesOf(id), { now, personName });
    else {
      const schedules = [...file.schedules.values()];
      const overrides: Override[] = (await Promise.all(schedules.map((s) => overridesOf(s.id)))).flat();
      const person = file.people.get(id)!;
      text = personCalendar({ id, name: person.name }, schedules, overrides, { now, personName });
    }
  } catch (e) {
    if (!(e instanceof opensearchErrors.OpenSearchClientError)) throw e;
    log.warn({ route: routeOf(req), err: e.message }, 'calendar feed unavailable: answered 503');
    return reply.code(503).header('retry-after', '60').send({ error: `the feed is unavailable: ${e.message}` });
  }
  return reply
    .type('text/calendar; charset=utf-8')
    .header('content-disposition', `inline; filename="${id}.ics"`)
    .header('cache-control', 'private, max-age=300')
    .header('referrer-policy', 'no-referrer')
    .send(text);
}
