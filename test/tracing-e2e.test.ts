// Traces end to end on the real stack: the test is the producer (a made-up "XADD" span: a W3C traceparent with
// a known trace ID and span ID on the stream entry), the real ingest and worker processes export over OTLP/HTTP
// to a real receiver on 127.0.0.1, and the webhook and Slack receivers see the request's traceparent.
// One trace must span XADD → StartWorkflow (ingest) → RunWorkflow → StartActivity/RunActivity → POST <channel>,
// each span the child of the one before; an entry without traceparent is a trace of its own; with tracing off
// (or OTEL_SDK_DISABLED) nothing is exported and the channels' requests carry no traceparent; a collector that
// is down costs spans and warnings, never a delivery.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { alertEvent } from './helpers/alerts';
import { TEST_INTAKE_TOKEN, startIntake } from './helpers/intake';
import { OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver';
import { Pipeline } from './helpers/pipeline';
import type { ReceivedPost } from './helpers/receiver';
import { ROOT } from './helpers/stack';

jest.setTimeout(120_000);

const HOOK_TOKEN = 'hooktoken-7f3a9c';
const SLACK_SECRET = 'SlackSecret-b41e0d';
const CLIENT = 3; // OTLP SpanKind CLIENT

/** The webhook (`hook`, its URL with a token) and Slack (`chat`, the secret in its path) on the pipeline's receiver. */
function channelsFile(p: Pipeline): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'alert-channels-')), 'channels.yaml');
  const base = p.receiver.url.replace(/\/alerts$/, '');
  fs.writeFileSync(file, [
    'channels:',
    '  hook:', '    type: webhook', `    url: ${base}/alerts?token=${HOOK_TOKEN}`, '    timeout: 3s',
    '  chat:', '    type: slack', `    url: ${base}/services/T000/B000/${SLACK_SECRET}`, '    timeout: 3s',
    'routes:', '  - channels: [hook]',
    '',
  ].join('\n'));
  return file;
}

/** The OTEL_* environment of a traced process exporting OTLP/JSON to `otlp`. */
const traced = (otlp: OtlpReceiver, service: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: service, OTEL_BSP_SCHEDULE_DELAY: '200',
});

/** A producer's span: the trace that a stream entry's `traceparent` continues. */
function producerSpan() {
  const [traceId, spanId] = [randomBytes(16).toString('hex'), randomBytes(8).toString('hex')];
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** An OTLP receiver (with `grpc`, its gRPC endpoint too) and a pipeline, started before the block's tests, stopped after. */
function otlpAndPipeline(o: { pipeline?: Pipeline; grpc?: boolean } = {}) {
  const otlp = new OtlpReceiver();
  const p = o.pipeline ?? new Pipeline();
  beforeAll(async () => {
    await otlp.start();
    if (o.grpc) await otlp.startGrpc();
    await p.start();
  });
  afterAll(async () => {
    await p.stop();
    await otlp.stop();
  });
  return { otlp, p };
}

/** The spans from `leaf` up, parent by parent, once the chain reaches a StartWorkflow span (the processes export in batches of their own). */
function chainUp(otlp: OtlpReceiver, traceId: string, leaf: ReceivedSpan, what: string): Promise<ReceivedSpan[]> {
  return otlp.waitFor(what, () => {
    const spans = new Map(otlp.trace(traceId).map((s) => [s.spanId, s]));
    const found: ReceivedSpan[] = [leaf];
    while (spans.has(found.at(-1)!.parentSpanId)) found.push(spans.get(found.at(-1)!.parentSpanId)!);
    return found.at(-1)!.name.startsWith('StartWorkflow') && found;
  });
}

const traceparentOf = (post: ReceivedPost) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(post.headers.traceparent ?? ''));

describe('traces from the producer to the receiver (OTLP on 127.0.0.1)', () => {
  const otlp = new OtlpReceiver();
  const p = new Pipeline();
  const producer = producerSpan();
  const otel = (service: string, protocol = 'http/json') => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: service, OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  let traced: { messageId: string; workflowId: string };

  beforeAll(async () => {
    await otlp.start();
    await p.start();
    p.channelsFile = channelsFile(p);
    // the ingest exports OTLP/protobuf (the default protocol), the worker OTLP/JSON: both are read
    await Promise.all([p.worker(otel('alert-worker', 'http/json')), p.ingest(otel('alert-ingest', 'http/protobuf'))]);
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent({ channels: ['hook', 'chat'] })), 'traceparent', producer.traceparent);
    traced = { messageId, workflowId: p.key(messageId) };
    await p.waitFor('the traced delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
  });
  afterAll(async () => {
    if (process.env.DUMP_SPANS) fs.writeFileSync(process.env.DUMP_SPANS, JSON.stringify(otlp.spans, null, 1));
    await p.stop();
    await otlp.stop();
  });

  const post = (channel: string) => otlp.waitFor(`POST ${channel}`, () => otlp.trace(producer.traceId).find((s) => s.name === `POST ${channel}`));

  it('continues the producer\'s trace: XADD → StartWorkflow → RunWorkflow → StartActivity → RunActivity → POST, parent by parent', async () => {
    for (const channel of ['hook', 'chat']) {
      const request = await post(channel);
      // the chain from the request up to the root, every span exported and in the producer's trace
      const chain = await chainUp(otlp, producer.traceId, request, `the chain of POST ${channel}`);
      expect(chain.map((s) => `${s.service}: ${s.name}`)).toEqual([
        `alert-worker: POST ${channel}`,
        'alert-worker: RunActivity:notifyChannel',
        'alert-worker: StartActivity:notifyChannel',
        'alert-worker: RunWorkflow:deliverAlert',
        'alert-ingest: StartWorkflow:deliverAlert',
      ]);
      expect(chain.at(-1)!.parentSpanId).toBe(producer.spanId); // the producer's XADD span
      expect(request.kind).toBe(CLIENT);
      expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'alert.channel.name': channel });
    }
  });

  it('the persist step and the workflow\'s other activities are children in the same trace', async () => {
    const run = await otlp.waitFor('RunWorkflow', () => otlp.trace(producer.traceId).find((s) => s.name === 'RunWorkflow:deliverAlert'));
    const persist = await otlp.waitFor('RunActivity:persistAlert', () => otlp.trace(producer.traceId).find((s) => s.name === 'RunActivity:persistAlert'));
    const start = await otlp.waitFor('its parent', () => otlp.trace(producer.traceId).find((s) => s.spanId === persist.parentSpanId));
    expect(start?.name).toBe('StartActivity:persistAlert');
    expect(start?.parentSpanId).toBe(run.spanId);
    expect(persist.attributes).toMatchObject({ temporalWorkflowId: traced.workflowId });
  });

  it('every span of the delivery is in the producer\'s trace', async () => {
    await post('chat');
    // StartWorkflow, RunWorkflow, and a StartActivity and a RunActivity each for persist, two notifications and the record
    const ofDelivery = await otlp.waitFor('the delivery\'s 10 spans', () => {
      const found = otlp.spans.filter((s) => Object.values(s.attributes).includes(traced.workflowId));
      return found.length >= 10 && found;
    });
    expect(new Set(ofDelivery.map((s) => s.traceId))).toEqual(new Set([producer.traceId]));
  });

  it('the webhook and Slack requests carry the traceparent of their POST span, exported by the worker', async () => {
    for (const [channel, pathPart] of [['hook', '/alerts'], ['chat', '/services/']] as const) {
      const request = await post(channel);
      const sent = p.receiver.posts.filter((r) => r.path.startsWith(pathPart));
      expect(sent).toHaveLength(1);
      const [, traceId, parentId] = traceparentOf(sent[0]) ?? [];
      expect(traceId).toBe(producer.traceId);
      expect(parentId).toBe(request.spanId);
      expect(request.service).toBe('alert-worker');
    }
  });

  it('no span carries a channel URL, its token, or the workflow\'s search attributes', async () => {
    await post('chat');
    const text = JSON.stringify(otlp.spans);
    expect(text).not.toContain(HOOK_TOKEN);
    expect(text).not.toContain(SLACK_SECRET);
    expect(text).not.toContain(p.receiver.url.replace(/\/alerts$/, ''));
    for (const s of otlp.spans) for (const v of Object.values(s.attributes)) expect(['string', 'number', 'boolean']).toContain(typeof v);
  });

  it('the intake: an alert POSTed with a traceparent header continues its sender\'s trace', async () => {
    const sender = producerSpan();
    const intake = await startIntake({ stream: p.stream, channelsFile: p.channelsFile });
    try {
      const res = await fetch(`${intake.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}`, traceparent: sender.traceparent },
        body: JSON.stringify(alertEvent({ channels: ['hook'] })),
      });
      expect(res.status).toBe(202);
      const [messageId] = ((await res.json()) as { ids: string[] }).ids;
      const fields = (await p.redis.xrange(p.stream, messageId, messageId))[0][1];
      expect(fields.slice(2)).toEqual(['traceparent', `00-${sender.traceId}-${sender.spanId}-01`]);
      const start = await otlp.waitFor('its StartWorkflow', () => otlp.spans.find((s) => s.name === 'StartWorkflow:deliverAlert' && s.attributes.temporalWorkflowId === p.key(messageId)));
      expect([start.traceId, start.parentSpanId]).toEqual([sender.traceId, sender.spanId]);
      await otlp.waitFor('its POST', () => otlp.trace(sender.traceId).find((s) => s.name === 'POST hook'));
    } finally {
      await intake.kill('SIGKILL');
    }
  });

  it('an entry without traceparent is delivered in a trace of its own', async () => {
    const messageId = await p.publish(alertEvent({ channels: ['hook'] }));
    await p.waitFor('the untraced delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    const workflowId = p.key(messageId);
    const start = await otlp.waitFor('its StartWorkflow', () => otlp.spans.find((s) => s.name === 'StartWorkflow:deliverAlert' && s.attributes.temporalWorkflowId === workflowId));
    expect(start.parentSpanId).toBe(''); // a root
    expect(start.traceId).not.toBe(producer.traceId);
    const request = await otlp.waitFor('its POST', () => otlp.trace(start.traceId).find((s) => s.name === 'POST hook'));
    const sent = p.receiver.posts.find((r) => r.key === workflowId);
    expect(traceparentOf(sent!)?.slice(1, 3)).toEqual([start.traceId, request.spanId]);
  });

  it('a malformed traceparent does not reject the alert: it gets a trace of its own', async () => {
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent({ channels: ['hook'] })), 'traceparent', 'not-a-traceparent');
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    const start = await otlp.waitFor('its StartWorkflow', () => otlp.spans.find((s) => s.name === 'StartWorkflow:deliverAlert' && s.attributes.temporalWorkflowId === p.key(messageId)));
    expect(start.parentSpanId).toBe('');
  });

  it('the traced history replays against both workflow bundles (plain and traced)', async () => {
    const history = await (await p.temporal()).workflow.getHandle(traced.workflowId).fetchHistory();
    for (const codePath of ['workflow-bundle.js', 'workflow-bundle-otel.js'].map((f) => path.join(ROOT, 'dist', f))) {
      await Worker.runReplayHistory({ workflowBundle: { codePath }, sinks: { exporter: { export: { fn: () => undefined } } } }, history, traced.workflowId);
    }
  });
});

describe('the combined process (eager start) with payload encryption on', () => {
  const { otlp, p } = otlpAndPipeline();

  it('continues the producer\'s trace the same way: the trace context travels in a header the codec leaves alone', async () => {
    const producer = producerSpan();
    await p.combined({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'alert-combined', OTEL_BSP_SCHEDULE_DELAY: '200',
      PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    });
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent()), 'traceparent', producer.traceparent);
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    const request = await otlp.waitFor('POST hook', () => otlp.trace(producer.traceId).find((s) => s.name === 'POST hook'));
    const chain = await chainUp(otlp, producer.traceId, request, 'the chain');
    expect(chain.map((s) => s.name)).toEqual(['POST hook', 'RunActivity:notifyChannel', 'StartActivity:notifyChannel', 'RunWorkflow:deliverAlert', 'StartWorkflow:deliverAlert']);
    expect(new Set(chain.map((s) => s.service))).toEqual(new Set(['alert-combined']));
    expect(chain.at(-1)!.parentSpanId).toBe(producer.spanId);
    expect(traceparentOf(p.receiver.posts.find((r) => r.key === p.key(messageId))!)?.[2]).toBe(request.spanId);
    // the history's input is encrypted, its trace header is not (a traceparent, nothing else)
    const history = await (await p.temporal()).workflow.getHandle(p.key(messageId)).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    expect(Buffer.from(started.input!.payloads![0].metadata!.encoding).toString()).not.toBe('json/plain');
    const header = JSON.parse(Buffer.from(started.header!.fields!['_tracer-data'].data!).toString()) as Record<string, string>;
    expect(Object.keys(header)).toEqual(['traceparent']);
  });
});

describe('OTLP over gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc)', () => {
  const { otlp, p } = otlpAndPipeline({ grpc: true });

  it('exports the same trace to a gRPC collector', async () => {
    const producer = producerSpan();
    const env = (service: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.grpcEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_SERVICE_NAME: service, OTEL_BSP_SCHEDULE_DELAY: '200' });
    await Promise.all([p.worker(env('alert-worker')), p.ingest(env('alert-ingest'))]);
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent()), 'traceparent', producer.traceparent);
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    const start = await otlp.waitFor('StartWorkflow', () => otlp.trace(producer.traceId).find((s) => s.name === 'StartWorkflow:deliverAlert'));
    expect([start.service, start.parentSpanId]).toEqual(['alert-ingest', producer.spanId]);
    const request = await otlp.waitFor('POST hook', () => otlp.trace(producer.traceId).find((s) => s.name === 'POST hook'));
    expect(request.service).toBe('alert-worker');
    expect(new Set(otlp.requests.map((r) => r.path))).toEqual(new Set(['grpc']));
  });
});

describe('a failed attempt and its retry', () => {
  const { otlp, p } = otlpAndPipeline({ pipeline: new Pipeline({ behaviour: (_post, n) => (n === 0 ? { status: 503, body: 'try again' } : { status: 200 }) }) });

  it('each attempt has its own POST span (the failed one with status ERROR and the HTTP status) and its own traceparent', async () => {
    const producer = producerSpan();
    await Promise.all([p.worker(traced(otlp, 'alert-worker')), p.ingest(traced(otlp, 'alert-ingest'))]);
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent()), 'traceparent', producer.traceparent);
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    const posts = await otlp.waitFor('two POST spans', () => {
      const found = otlp.trace(producer.traceId).filter((s) => s.name === 'POST hook');
      return found.length === 2 && found;
    });
    const [failed, ok] = [posts.find((s) => s.status.code === 2), posts.find((s) => s.status.code !== 2)];
    expect(failed?.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': 'TransientDeliveryError' });
    expect(ok?.attributes).toMatchObject({ 'http.response.status_code': 200 });
    const sent = p.receiver.posts.filter((r) => r.key === p.key(messageId)).map((r) => traceparentOf(r)?.[2]);
    expect(sent.sort()).toEqual([failed!.spanId, ok!.spanId].sort());
  });
});

describe('tracing off, and a collector that is down', () => {
  const { otlp, p } = otlpAndPipeline();

  it.each([
    ['no OTEL_* variables', {}],
    ['OTEL_SDK_DISABLED=true beside an endpoint', { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }],
    ['OTEL_TRACES_EXPORTER=none beside an endpoint', { OTEL_TRACES_EXPORTER: 'none' }],
  ])('%s: nothing is exported, nothing breaks, no traceparent goes out', async (_name, vars: Record<string, string>) => {
    const env = Object.keys(vars).length ? { ...vars, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' } : {};
    const before = otlp.requests.length; // this case's requests only (the collector serves the three)
    const [worker, ingest] = await Promise.all([p.worker(env), p.ingest(env)]);
    const messageId = await p.publishRaw('event', JSON.stringify(alertEvent()), 'traceparent', producerSpan().traceparent);
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    // A clean stop flushes whatever a tracer holds (its shutdown exports the last spans): once both processes have
    // exited, what reached the collector is all that ever will.
    expect(await Promise.all([worker.kill('SIGTERM'), ingest.kill('SIGTERM')])).toEqual([0, 0]);
    expect(otlp.requests.slice(before)).toEqual([]);
    const sent = p.receiver.posts.find((r) => r.key === p.key(messageId));
    expect(sent?.headers.traceparent).toBeUndefined();
    expect(worker.output() + ingest.output()).not.toContain('tracing on');
  });

  it('tracing on with its collector down: the alert is delivered, the export failures are logged as warnings', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' };
    const [worker, ingest] = await Promise.all([p.worker(env), p.ingest(env)]);
    const messageId = await p.publish(alertEvent());
    await p.waitFor('the delivery', async () => (await p.doc(messageId))?.deliveryStatus === 'delivered');
    expect(p.receiver.posts.find((r) => r.key === p.key(messageId))?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await worker.waitForLine(/"level":40,[^\n]*"msg":"opentelemetry: /, 10_000);
    await Promise.all([worker.kill('SIGKILL'), ingest.kill('SIGKILL')]);
  });
});
