// Which OTEL_* settings turn tracing on, and which are refused at start-up (src/tracing/sdk.ts).
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ConfigError } from '../src/errors';
import { tracingSettings } from '../src/tracing/sdk';
import { entryTraceContext, traceFieldsFor, traceFieldsFromHeaders } from '../src/tracing/stream-context';

describe('tracingSettings', () => {
  it.each([
    [{}, { enabled: false }],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { enabled: true, exporter: 'otlp', protocol: 'http/protobuf', endpoint: 'http://c:4318' }],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://u:p@c:4318/v1/traces?k=v', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, { enabled: true, exporter: 'otlp', protocol: 'http/json', endpoint: 'http://c:4318/v1/traces' }],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, { enabled: true, exporter: 'otlp', protocol: 'grpc', endpoint: 'http://c:4317' }],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, { enabled: true, exporter: 'otlp', protocol: 'http/protobuf', endpoint: 'the exporter default' }],
    [{ OTEL_TRACES_EXPORTER: 'console' }, { enabled: true, exporter: 'console' }],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { enabled: false }],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { enabled: false }],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, { enabled: false }],
  ])('%j → %j', (env, expected) => {
    expect(tracingSettings(env)).toEqual(expected);
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER="jaeger": expected otlp, console or none/],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, /one exporter at a time/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, /OTEL_EXPORTER_OTLP_PROTOCOL="thrift": expected http\/protobuf, http\/json, grpc/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL/],
  ])('%j is refused', (env, message) => {
    expect(() => tracingSettings(env)).toThrow(ConfigError);
    expect(() => tracingSettings(env)).toThrow(message);
  });
});

describe('the stream entry\'s trace fields', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('reads a W3C traceparent (and tracestate) among the entry\'s fields', () => {
    const ctx = entryTraceContext(['event', '{}', 'traceparent', traceparent, 'tracestate', 'vendor=x']);
    expect(trace.getSpanContext(ctx!)).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(traceFieldsFor(ctx)).toEqual(['traceparent', traceparent, 'tracestate', 'vendor=x']);
  });

  it.each([[null], [['event', '{}']], [['event', '{}', 'traceparent', 'garbage']], [['event', '{}', 'traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']]])(
    '%j: no context (a trace of its own)',
    (fields) => {
      expect(entryTraceContext(fields)).toBeUndefined();
    },
  );

  it('the intake takes a valid traceparent (and tracestate) header of a request, nothing else', () => {
    expect(traceFieldsFromHeaders({ traceparent, tracestate: 'vendor=x', authorization: 'Bearer secret' })).toEqual(['traceparent', traceparent, 'tracestate', 'vendor=x']);
    expect(traceFieldsFromHeaders({ traceparent: 'garbage' })).toEqual([]);
    expect(traceFieldsFromHeaders({})).toEqual([]);
  });

  it('writes nothing for a context without a span', () => {
    expect(traceFieldsFor(ROOT_CONTEXT)).toEqual([]);
  });
});
