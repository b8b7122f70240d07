// The real intake process (node dist/src/intake.js) for tests: on a free port of 127.0.0.1, writing to the
// test's own stream on the stack's Redis. Used by test/intake.test.ts and test/alertmanager.test.ts, and by an
// end-to-end test that puts it in front of a Pipeline (pass the pipeline's stream and channels file).
import type Redis from 'ioredis';
import { startProcess, type ServiceProcess } from './processes';
import { OPENSEARCH_URL, REDIS_URL, TEMPORAL_ENV } from './stack';

/** The bearer token the test intakes accept. */
export const TEST_INTAKE_TOKEN = 'test-intake-token-5d1c0f2a9b8e7d6c';
/** The ack-link secret of the test intakes (>= 32 bytes). */
export const TEST_ACK_SECRET = 'test-ack-secret-0123456789abcdef0123456789abcdef';

export interface IntakeProcess extends ServiceProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  /** POSTs JSON to `path` with the test token. */
  post: (path: string, body: unknown) => Promise<{ status: number; json: any }>;
}

export interface IntakeOptions {
  stream: string;
  /** The channels file (default: the package's config/channels.yaml). */
  channelsFile?: string;
  /** More environment (INTAKE_*, ACK_SECRET, TEMPORAL_TASK_QUEUE …); wins over the defaults. */
  extra?: Record<string, string>;
}

export function intakeEnv(o: IntakeOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    REDIS_URL,
    OPENSEARCH_URL, // the stack's (the silence, on-call and console routes write there)
    ...TEMPORAL_ENV,
    ALERT_STREAM: o.stream,
    ...(o.channelsFile ? { CHANNELS_FILE: o.channelsFile } : {}),
    INTAKE_HOST: '127.0.0.1',
    INTAKE_PORT: '0',
    INTAKE_TOKEN: TEST_INTAKE_TOKEN,
    ACK_SECRET: TEST_ACK_SECRET,
    METRICS_PORT: '0',
    STARTUP_TIMEOUT: '10s',
    ...o.extra,
  };
}

/** Starts the intake and waits until it listens (its log line names the address). */
export async function startIntake(o: IntakeOptions): Promise<IntakeProcess> {
  const p = startProcess('intake', intakeEnv(o));
  try {
    await p.waitForLine(/"msg":"intake listening"/, 20_000);
  } catch (e) {
    await p.kill('SIGKILL');
    throw e;
  }
  const url = /"address":"(http:\/\/[^"]+)","metricsPort"/.exec(p.output())![1];
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  };
  return { ...p, url, post };
}

/** The `event` fields of `stream`, parsed, in stream order. */
export async function streamEvents(redis: Redis, stream: string): Promise<Array<{ id: string; event: any }>> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[fields.indexOf('event') + 1]) }));
}

/** Polls `stream` until `done` holds for its events (at most `timeoutMs`); returns them. */
export async function waitForEvents(redis: Redis, stream: string, done: (events: Array<{ id: string; event: any }>) => boolean, timeoutMs = 20_000): Promise<Array<{ id: string; event: any }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await streamEvents(redis, stream);
    if (done(events)) return events;
    if (Date.now() > deadline) throw new Error(`stream ${stream}: condition not met within ${timeoutMs} ms; events: ${JSON.stringify(events).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
