// The codec endpoint (Temporal's remote codec protocol) for the Web UI and the `temporal` CLI:
//   POST /encode, /decode (also /<namespace>/encode, /<namespace>/decode, the CLI's {namespace} template)
//        body and answer {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]} (proto3 JSON of
//        temporal.api.common.v1.Payloads: every bytes field base64); the codecs run in data-converter order
//        (encode first to last, decode last to first)
//   OPTIONS the CORS preflight of the browser (the UI calls from its own origin)
//   GET /healthz
// Authorization: `Authorization: Bearer <token>` (CODEC_AUTH=bearer; the CLI's --codec-auth, or the UI's forwarded
// access token), compared in constant time; refused with 401. The X-Namespace header (UI and CLI send it) must
// name the configured namespace (403 otherwise). Payloads and tokens are never logged: only route, status,
// count and, for a decryption failure, the key ID.
import type { PayloadCodec, Payload } from '@temporalio/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { PayloadDecryptionError } from '../errors/payload-decryption-error';
import { BearerAuth } from '../http/bearer-auth';
import { createJsonApp, routeOf } from '../http/json-app';
import type { Logger } from '../logger';
import { registry } from '../metrics';
import type { CodecServerConfig } from './server-config';

export interface CodecServerDeps {
  cfg: Pick<CodecServerConfig, 'auth' | 'tokens' | 'corsOrigins' | 'namespace' | 'bodyLimit'>;
  /** The data converter's codecs, in its order. */
  codecs: PayloadCodec[];
  log: Logger;
}

const requests = new Counter({ name: 'codec_requests_total', help: 'Codec endpoint requests, by route and status', labelNames: ['route', 'status'], registers: [registry] });
const payloadsCounted = new Counter({ name: 'codec_payloads_total', help: 'Payloads encoded or decoded, by operation', labelNames: ['op'], registers: [registry] });
const seconds = new Histogram({ name: 'codec_request_seconds', help: 'Codec endpoint request time', labelNames: ['route'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2], registers: [registry] });

const ALLOW_HEADERS = 'content-type, x-namespace, authorization';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A request body that is not a Payloads JSON: answered 400 naming the place, never echoing the value. */
export class MalformedPayloadsError extends Error {}

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) throw new MalformedPayloadsError(`${where}: expected a base64 string`);
  return Buffer.from(value, 'base64');
}

/** {payloads: [...]} in proto3 JSON → Payload objects. */
export function payloadsFromJson(body: unknown): Payload[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { payloads?: unknown }).payloads)) {
    throw new MalformedPayloadsError('expected a JSON object {"payloads": [...]}');
  }
  return ((body as { payloads: unknown[] }).payloads).map((p, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new MalformedPayloadsError(`payloads[${i}]: expected an object`);
    const { metadata, data } = p as { metadata?: unknown; data?: unknown };
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new MalformedPayloadsError(`payloads[${i}].metadata: expected an object of base64 strings`);
    }
    const meta = Object.fromEntries(Object.entries((metadata ?? {}) as Record<string, unknown>).map(([k, v]) => [k, bytes(v, `payloads[${i}].metadata.${k}`)]));
    return { metadata: meta, data: data === undefined || data === null ? new Uint8Array() : bytes(data, `payloads[${i}].data`) };
  });
}

/** Payload objects → proto3 JSON. */
export function payloadsToJson(payloads: Payload[]): { payloads: { metadata: Record<string, string>; data: string }[] } {
  const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');
  return { payloads: payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) })) };
}

export function buildCodecServer(deps: CodecServerDeps) {
  const { cfg, codecs, log } = deps;
  const auth = cfg.auth === 'bearer' ? new BearerAuth(cfg.tokens) : undefined;
  const origins = new Set(cfg.corsOrigins);
  const app = createJsonApp({ log, bodyLimit: cfg.bodyLimit, requests, seconds });

  // CORS first: an allowed origin gets its headers on every answer (a 401 too, so the UI can read it); a browser
  // from any other origin is refused before anything else (no Access-Control-Allow-Origin: the browser blocks it).
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return; // not a browser's cross-origin call (the CLI, curl)
    if (!origins.has(origin)) {
      log.warn({ route: routeOf(req), origin }, 'codec request from an origin not in CODEC_CORS_ORIGINS refused');
      return reply.code(403).send({ error: 'origin not allowed (CODEC_CORS_ORIGINS)' });
    }
    void reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true').header('vary', 'Origin');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log.error({ err: err.message, route: routeOf(req) }, 'request failed');
    // fastify's JSON parse errors quote the offending text: say what was wrong, not what was sent
    const message = status === 400 ? 'the body is not valid JSON' : status === 413 ? `the body is larger than ${cfg.bodyLimit} bytes` : status === 415 ? 'expected Content-Type: application/json' : 'request failed';
    return reply.code(status).send({ error: message });
  });

  app.get('/healthz', (_req, reply) => reply.send({ ok: true }));

  const preflight = (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.origin === undefined) return reply.code(400).send({ error: 'a CORS preflight needs an Origin header' });
    return reply.code(204).header('access-control-allow-methods', 'POST, OPTIONS').header('access-control-allow-headers', ALLOW_HEADERS).header('access-control-max-age', '600').send();
  };

  const handle = (op: 'encode' | 'decode') => async (req: FastifyRequest<{ Params: { namespace?: string } }>, reply: FastifyReply) => {
    if (auth) {
      const check = auth.check(req.headers.authorization);
      if (!check.ok) {
        log.warn({ route: routeOf(req), reason: check.reason }, 'codec request refused: bearer token missing or wrong');
        return reply.code(401).header('www-authenticate', 'Bearer realm="codec"').send({ error: `unauthorized: bearer token ${check.reason}` });
      }
    }
    const header = req.headers['x-namespace'];
    const namespaces = [typeof header === 'string' ? header : undefined, req.params.namespace].filter((n): n is string => n !== undefined && n !== '');
    const other = namespaces.find((n) => n !== cfg.namespace);
    if (other !== undefined) {
      log.warn({ route: routeOf(req), namespace: other }, 'codec request for another namespace refused');
      return reply.code(403).send({ error: `this codec endpoint serves namespace ${cfg.namespace}, not ${other}` });
    }
    let payloads: Payload[];
    try {
      payloads = payloadsFromJson(req.body);
    } catch (e) {
      if (e instanceof MalformedPayloadsError) return reply.code(400).send({ error: e.message });
      throw e;
    }
    try {
      const chain = op === 'encode' ? codecs : [...codecs].reverse();
      for (const codec of chain) payloads = await codec[op](payloads);
    } catch (e) {
      if (e instanceof PayloadDecryptionError) {
        log.warn({ route: routeOf(req), keyId: e.keyId }, e.message);
        return reply.code(422).send({ error: e.message, keyId: e.keyId });
      }
      throw e;
    }
    payloadsCounted.inc({ op }, payloads.length);
    return reply.send(payloadsToJson(payloads));
  };

  for (const op of ['encode', 'decode'] as const) {
    for (const url of [`/${op}`, `/:namespace/${op}`]) {
      app.options(url, preflight);
      app.post(url, handle(op));
    }
  }
  return app;
}
