// alertctl's client of the intake's API (INTAKE_URL, with a token of INTAKE_TOKEN): what `alertctl oncall` uses, as
// amtool uses Alertmanager's API. The intake holds the on-call file in force, so what alertctl shows and checks is
// what the service pages by. Answers become alertctl's exit codes: 400 a usage error (2), 404 not found (1), any
// other refusal or an unreachable intake failed (1), each naming the intake's URL and never the token.
import { FailedError } from './failed-error';
import { NotFoundError } from './not-found-error';
import { UsageError } from './usage-error';

export interface IntakeTarget {
  /** The intake's base URL (INTAKE_URL). */
  url: string;
  /** A bearer token it accepts (the first of INTAKE_TOKEN); none: INTAKE_AUTH=none there. */
  token?: string;
}

/** How long one request may take. */
const TIMEOUT_MS = 15_000;

export interface IntakeAnswer {
  status: number;
  json: unknown;
}

/** One request; an answer of 400 and up throws the matching alertctl error. */
export async function callIntake(target: IntakeTarget, method: string, path: string, body?: unknown): Promise<IntakeAnswer> {
  const base = target.url.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new FailedError(`cannot reach the intake at ${base} (INTAKE_URL): ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (res.status < 400) return { status: res.status, json };
  throw answerError(base, res.status, json);
}

function answerError(base: string, status: number, json: unknown): Error {
  const answer = (json ?? {}) as { error?: unknown; problems?: unknown };
  const error = typeof answer.error === 'string' ? answer.error : `HTTP ${status}`;
  const problems = Array.isArray(answer.problems) ? answer.problems.map(String) : [];
  if (status === 400) return new UsageError(problems.length ? problems.join('; ') : error);
  if (status === 401) return new FailedError(`the intake at ${base} refused the bearer token (${error}): set INTAKE_TOKEN (or INTAKE_TOKEN_FILE) to one it accepts`);
  if (status === 404) return new NotFoundError(`not found: ${error}`);
  return new FailedError(`the intake at ${base} answered ${status}: ${error}`);
}
