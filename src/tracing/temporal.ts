// @temporalio/interceptors-opentelemetry on the Temporal clients and workers of a process with tracing on
// (src/tracing/sdk.ts). Off: nothing is added, and the worker runs the plain workflow bundle.
//
//   client  OpenTelemetryWorkflowClientInterceptor: a span per start/signal/update/query ("StartWorkflow:deliverAlert"),
//           its context in the workflow's headers (`_tracer-data`).
//   worker  the workflow interceptors (OpenTelemetryInboundInterceptor, …: "RunWorkflow:…", "StartActivity:…") run
//           inside the sandbox, from the workflow interceptor module, which must be in the workflow bundle:
//           scripts/bundle-workflows.ts builds dist/workflow-bundle-otel.js with it beside the plain
//           dist/workflow-bundle.js, and a traced worker runs that one. The sandbox's spans leave through the
//           `exporter` sink (makeWorkflowExporter) into the process's span processor; the activity interceptors
//           make "RunActivity:…" spans (children of the workflow's StartActivity spans) in which the channels'
//           requests run (src/tracing/outgoing.ts).
// The workflow interceptors add no command: histories recorded with and without them replay against both bundles
// (test/tracing-replay.test.ts).
import fs from 'node:fs';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './sdk';

/** The module with the workflow interceptors (`interceptors` export), for bundleWorkflowCode and workflowModules. */
export const WORKFLOW_INTERCEPTOR_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The traced bundle built beside a plain one: dist/workflow-bundle.js → dist/workflow-bundle-otel.js. */
export const tracedBundlePath = (plain: string): string => plain.replace(/\.js$/, '-otel.js');

/** The client interceptors of a Client in a process with `tracing` (undefined: tracing off, none). */
export function clientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}

/**
 * The sink copies the whole WorkflowInfo into every workflow span's attributes (search attributes, memo,
 * retry policy, …). Only its plain values are kept (IDs, type, task queue, namespace, attempt, history
 * length): objects are not valid span attributes, and search attributes and memos have no place in a trace.
 */
export function plainAttributesOnly(next: SpanProcessor): SpanProcessor {
  const plain = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  return {
    onStart: (span: Span, ctx: Context) => next.onStart(span, ctx),
    onEnd: (span: ReadableSpan) => {
      const attributes = Object.fromEntries(Object.entries(span.attributes).filter(([, v]) => plain(v)));
      next.onEnd({ ...span, spanContext: () => span.spanContext(), attributes });
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}

/**
 * `options` with tracing: the activity interceptors on every worker; on a workflow worker also the workflow
 * interceptors (the traced bundle instead of a plain bundle file, or the module added to workflowModules when
 * the worker bundles at start) and the `exporter` sink. Unchanged when `tracing` is undefined.
 */
export function withWorkerTracing<T extends WorkerOptions>(tracing: Tracing | undefined, options: T): T {
  if (!tracing) return options;
  const interceptors = options.interceptors ?? {};
  const traced: T = {
    ...options,
    interceptors: {
      ...interceptors,
      activity: [
        ...(interceptors.activity ?? []),
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
  };
  const bundle = options.workflowBundle;
  if (!bundle && !options.workflowsPath) return traced; // an activity-only worker
  if (bundle && 'codePath' in bundle) {
    const codePath = tracedBundlePath(bundle.codePath);
    if (!fs.existsSync(codePath)) throw new Error(`tracing is on but the traced workflow bundle ${codePath} is missing (npm run build makes it)`);
    traced.workflowBundle = { codePath };
  } else if (bundle) {
    throw new Error('tracing needs the workflow interceptors in the bundle: pass the bundle as a codePath next to its -otel.js twin');
  } else {
    traced.interceptors!.workflowModules = [...(interceptors.workflowModules ?? []), WORKFLOW_INTERCEPTOR_MODULE];
  }
  traced.sinks = { ...options.sinks, exporter: makeWorkflowExporter(plainAttributesOnly(tracing.spanProcessor), tracing.resource) };
  return traced;
}
