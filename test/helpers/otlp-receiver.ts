// A real OTLP trace receiver on 127.0.0.1 for tests: accepts `POST /v1/traces` as OTLP/JSON (http/json) or
// OTLP/protobuf (http/protobuf, decoded with the transformer's generated protobuf root), answers 200 like a
// collector, and keeps every span flat, with its service name. startGrpc() adds OTLP/gRPC (TraceService/Export).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
}

interface AnyValue { stringValue?: string; boolValue?: boolean; intValue?: number | string | { toString(): string }; doubleValue?: number; arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] } }
interface KeyValue { key: string; value?: AnyValue }

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined && v.intValue !== null) return Number(v.intValue.toString());
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return undefined;
}
const attrs = (kvs: KeyValue[] = []): Record<string, unknown> => Object.fromEntries(kvs.map((kv) => [kv.key, value(kv.value)]));
const hex = (id: unknown): string => (id === undefined || id === null ? '' : typeof id === 'string' ? id : Buffer.from(id as Uint8Array).toString('hex'));

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the transformer's generated protobufjs root (no types exported for it)
const proto = require('@opentelemetry/otlp-transformer/build/src/generated/root') as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Buffer): unknown; toObject(m: unknown, o: object): unknown } } } } } } };
const ExportRequest = proto.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
type ExportBody = { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, any>[] }[] }[] };

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Every request: path and content type. */
  readonly requests: { path: string; contentType: string }[] = [];
  private server = http.createServer((req, res) => this.onRequest(req, res));
  private grpcServer?: grpc.Server;
  private grpcPort = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Listens for OTLP/gRPC too, at grpcEndpoint. */
  async startGrpc(): Promise<this> {
    this.grpcServer = new grpc.Server();
    const raw = (b: Buffer) => b;
    this.grpcServer.addService({
      Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
    }, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        this.requests.push({ path: 'grpc', contentType: 'application/grpc' });
        this.record(ExportRequest.toObject(ExportRequest.decode(call.request), { longs: String, defaults: false }) as ExportBody);
        done(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse
      },
    });
    this.grpcPort = await new Promise<number>((resolve, reject) => this.grpcServer!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
    return this;
  }

  get grpcEndpoint(): string {
    return `http://127.0.0.1:${this.grpcPort}`;
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`OTLP receiver: timed out waiting for ${what}; spans so far: ${this.spans.map((s) => `${s.service}/${s.name}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.grpcServer?.forceShutdown();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      this.requests.push({ path: req.url ?? '', contentType });
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      try {
        this.record((contentType.includes('json')
          ? JSON.parse(body.toString('utf8'))
          : ExportRequest.toObject(ExportRequest.decode(body), { longs: String, defaults: false })) as ExportBody);
        res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' }).end(contentType.includes('json') ? '{}' : '');
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  }

  private record(request: ExportBody): void {
    for (const rs of request.resourceSpans ?? []) {
      const service = attrs(rs.resource?.attributes)['service.name'] as string;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), name: s.name, kind: Number(s.kind ?? 0),
            service, attributes: attrs(s.attributes), status: s.status ?? {},
          });
        }
      }
    }
  }
}
