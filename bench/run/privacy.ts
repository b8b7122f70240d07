// Issue 14's cost paths: the combined process with payload encryption on (`temporal-encrypted`) and with
// OpenTelemetry tracing on (`temporal-traced`, exporting to a sink of the bench's own on 127.0.0.1), each
// against `temporal-combined` (both off) at max, in the same run.
import { LocalReceiver, type Received, type Reply } from '../../tools/receiver';
import { round } from '../harness';
import type { AtMax } from './types';

/**
 * The bench's payload key: a fixed, public test key (`bench`, 32 bytes). It protects nothing: it only makes the
 * workers encrypt and decrypt every payload as a deployment with PAYLOAD_ENCRYPTION_KEYS does.
 */
export const BENCH_PAYLOAD_KEYS = `bench:${Buffer.alloc(32, 7).toString('base64')}`;

/** An OTLP/HTTP trace sink: answers every export 200 and counts them (the collector is not what is measured). */
export class OtlpSink extends LocalReceiver {
  exports = 0;
  bytes = 0;

  get url(): string {
    return this.origin;
  }

  protected receive(r: Received): Reply {
    this.exports++;
    this.bytes += r.body.length;
    return { status: 200, headers: { 'content-type': 'application/x-protobuf' } };
  }
}

/** What a path's processes get to turn its feature on (the traced path's endpoint is the run's sink). */
export function privacyEnv(path: string, sinkUrl: string): Record<string, string> {
  if (path === 'temporal-encrypted') return { PAYLOAD_ENCRYPTION_KEYS: BENCH_PAYLOAD_KEYS };
  if (path === 'temporal-traced') return { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'alert-delivery-bench' };
  return {};
}

/**
 * What encryption and tracing each add per alert against temporal-combined at max, same run: alerts/s as the
 * ratio on/off, CPU ms per delivered alert as the difference per process. null for a path that did not run.
 */
export function privacyCost(atMax: AtMax[]) {
  const base = atMax.find((x) => x.path === 'temporal-combined');
  const cost = (path: string) => {
    const on = atMax.find((x) => x.path === path);
    if (!on || !base) return null;
    return {
      alertsPerSec: { on: on.alertsPerSec, off: base.alertsPerSec },
      alertsPerSecOnOverOff: base.alertsPerSec ? round(on.alertsPerSec / base.alertsPerSec, 3) : null,
      cpuMsPerAlert: { on: on.cpuMsPerAlert, off: base.cpuMsPerAlert },
      cpuMsPerAlertDelta: Object.fromEntries(Object.keys(on.cpuMsPerAlert).filter((k) => k in base.cpuMsPerAlert).map((k) => [k, round(on.cpuMsPerAlert[k] - base.cpuMsPerAlert[k], 2)])),
    };
  };
  const encryption = cost('temporal-encrypted');
  const tracing = cost('temporal-traced');
  return encryption || tracing ? { encryption, tracing } : null;
}
