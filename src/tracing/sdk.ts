// The OpenTelemetry SDK of a process (worker, ingest, combined), set up from the standard OTEL_* variables.
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER is set
// (OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off): then no provider is registered, the
// Temporal interceptors are not installed, and every span in the code is the API's no-op.
//
// When on: a NodeTracerProvider (AsyncLocalStorage context, propagators from OTEL_PROPAGATORS, sampler from
// OTEL_TRACES_SAMPLER) with one BatchSpanProcessor (OTEL_BSP_*) over an OTLP exporter chosen by
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf, the default; http/json; grpc),
// which reads its endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_* itself. The same
// processor exports the spans the workflow sandbox makes (src/tracing/temporal.ts).
import os from 'node:os';
import { DiagLogLevel, diag, type Tracer } from '@opentelemetry/api';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { readVariables, type Env } from '../config/read';
import type { OtlpProtocol } from '../config/schema';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';

/**
 * What OTEL_* asks for: off, or an exporter (otlp with its protocol and, for the log, its endpoint without
 * credentials; or console for a look at the spans).
 */
export type TracingSettings = { enabled: false } | { enabled: true; exporter: 'otlp'; protocol: OtlpProtocol; endpoint: string } | { enabled: true; exporter: 'console' };

export interface Tracing {
  /** The process's tracer (the Temporal interceptors and the channels' request spans use it). */
  tracer: Tracer;
  /** The provider's processor: the workflow sandbox's spans are handed to it too (makeWorkflowExporter). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** For the start-up log: exporter, protocol, endpoint (without credentials), service name. Never a header. */
  describe: Record<string, string>;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** Reads the OTEL_* variables that decide whether and how spans are exported; a bad value is a ConfigError. */
export function tracingSettings(env: Env): TracingSettings {
  const problems: string[] = [];
  const s = readVariables(env, ['OTEL_SDK_DISABLED', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'], problems);
  if (s.OTEL_SDK_DISABLED) return { enabled: false };
  if (problems.length) throw new ConfigError('Invalid tracing settings (OpenTelemetry environment):', problems);
  const endpoint = s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || s.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const exporter = s.OTEL_TRACES_EXPORTER ?? (endpoint ? 'otlp' : 'none');
  if (exporter === 'none') return { enabled: false };
  if (exporter === 'console') return { enabled: true, exporter: 'console' };
  return { enabled: true, exporter: 'otlp', protocol: s.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? s.OTEL_EXPORTER_OTLP_PROTOCOL, endpoint: safeEndpoint(endpoint) };
}

/** The exporter for the settings; each OTLP exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT/COMPRESSION. */
function createExporter(s: Exclude<TracingSettings, { enabled: false }>): SpanExporter {
  if (s.exporter === 'console') return new ConsoleSpanExporter();
  /* eslint-disable @typescript-eslint/no-require-imports -- only the chosen protocol's exporter is loaded */
  if (s.protocol === 'http/json') return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  if (s.protocol === 'grpc') return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** An endpoint for the log: scheme, host and path only (no user, password or query). */
function safeEndpoint(raw: string | undefined): string {
  if (!raw) return 'the exporter default';
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'unparsable';
  }
}

let active: Tracing | undefined;

/** The tracing started in this process, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Starts tracing for this process when its settings (tracingSettings, read with the process's configuration) ask
 * for it, else returns undefined.
 * `service.name` is OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES'), by default `alert-delivery-<role>`.
 * The SDK's own warnings (an export that failed) go to `log`. Called once per process; a second call returns the first.
 */
export function startTracing(role: string, settings: TracingSettings, log?: Logger): Tracing | undefined {
  if (active) return active;
  if (!settings.enabled) return undefined;
  if (log) {
    diag.setLogger({
      error: (msg, ...args) => log.warn({ args: args.map(String) }, `opentelemetry: ${msg}`),
      warn: (msg, ...args) => log.warn({ args: args.map(String) }, `opentelemetry: ${msg}`),
      info: () => undefined, debug: () => undefined, verbose: () => undefined,
    }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': `alert-delivery-${role}`, 'service.namespace': 'alert-delivery', 'host.name': os.hostname() }))
    .merge(envDetectorSync.detect()); // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
  const spanProcessor = new BatchSpanProcessor(createExporter(settings));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const serviceName = String(resource.attributes['service.name']);
  active = {
    tracer: provider.getTracer('alert-delivery'),
    spanProcessor,
    resource,
    describe: { exporter: settings.exporter, ...(settings.exporter === 'otlp' ? { protocol: settings.protocol, endpoint: settings.endpoint } : {}), serviceName },
    shutdown: async () => {
      await provider.shutdown().catch((e: Error) => log?.warn({ err: e.message }, 'opentelemetry: flushing the last spans failed'));
    },
  };
  return active;
}
