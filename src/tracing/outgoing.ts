// The trace context on a channel's outgoing request: a CLIENT span "POST <channel>" around the request (a
// child of the notifyChannel activity's span), whose context goes out in the request's headers (`traceparent`,
// `tracestate` as the configured propagators write them; OTEL_PROPAGATORS, default W3C trace context + baggage).
// The receiver can continue the trace. The span names the channel and its type only: never the URL, which
// often carries a token (Slack's webhook URL is the secret itself). With tracing off, the API is the no-op:
// no span, no header.
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';

const TRACER = 'alert-delivery/channels';

export interface TracedChannel {
  readonly name: string;
  readonly type: string;
}

/**
 * Runs one request of `channel` inside its span; `send` gets the headers to add to the request. The span
 * records the HTTP status (from the "HTTP <status>" the channel resolves with) or the failure.
 */
export async function tracedRequest(channel: TracedChannel, send: (traceHeaders: Record<string, string>) => Promise<string>): Promise<string> {
  const tracer = trace.getTracer(TRACER);
  return tracer.startActiveSpan(`POST ${channel.name}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': 'POST', 'alert.channel.name': channel.name, 'alert.channel.type': channel.type },
  }, async (span) => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    try {
      const answer = await send(headers);
      const status = /^HTTP (\d{3})$/.exec(answer)?.[1];
      if (status) span.setAttribute('http.response.status_code', Number(status));
      return answer;
    } catch (e) {
      const err = e as Error;
      const status = /: HTTP (\d{3})/.exec(err.message)?.[1];
      if (status) span.setAttribute('http.response.status_code', Number(status));
      // The channels' messages name the channel, never its URL (src/channels/http.ts redacts them).
      span.setAttribute('error.type', err.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw e;
    } finally {
      span.end();
    }
  });
}
