// A small local webhook receiver: the embedded default destination, so a new user sees the whole path
// from stream to human. Prints each alert it gets, once per idempotency key (repeats are counted).
import http from 'node:http';
import { loadReceiverSettings } from './config/receiver';

/** RECEIVER_STATUS: answer every alert with this status, e.g. 410 to demonstrate a parked alert. */
const { host, port, status } = (() => {
  try {
    return loadReceiverSettings();
  } catch (e) {
    process.stderr.write(`receiver: cannot start.\n${(e as Error).message}\n`);
    process.exit(1);
  }
})();
const seen = new Map<string, number>();

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200).end('ok\n');
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const key = String(req.headers['idempotency-key'] ?? req.headers['webhook-id'] ?? '');
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: Record<string, unknown> };
      const a = body.data ?? {};
      const labels = a.labels ? ` ${JSON.stringify(a.labels)}` : '';
      const repeat = n > 1 ? ` (repeat #${n}, dropped)` : '';
      const answer = status < 300 ? '' : ` → answered ${status}`;
      process.stdout.write(`[receiver]${answer} ${String(a.severity).toUpperCase()} ${String(a.title)} — rule ${String(a.ruleName)}, view ${String(a.view)}/${String(a.scope)}${labels} [alert ${String(a.alertId)}, key ${key}]${repeat}\n`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"ok":true}' : '{"error":"receiver set to fail (RECEIVER_STATUS)"}');
    } catch {
      res.writeHead(400).end('bad json');
    }
  });
});

server.listen(port, host, () => process.stdout.write(`[receiver] listening on http://${host}:${port}/alerts\n`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => process.exit(0)));
