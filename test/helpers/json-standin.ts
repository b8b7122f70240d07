// What the vendor stand-ins share (ntfy, Slack, Twilio: test/helpers/*-standin.ts): an HTTP server on a free port of
// 127.0.0.1 that reads each request's whole body and sends the stand-in's answer, as JSON unless it is a string
// already, after the stand-in's delay for that request (0: at once).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Status, body (JSON-encoded unless a string) and extra headers. */
export type StandInAnswer = [number, unknown, Record<string, string>?];

export abstract class JsonStandIn {
  private server?: http.Server;
  url = '';

  /** The answer to one request with its raw body. */
  protected abstract answer(req: http.IncomingMessage, raw: string): StandInAnswer;
  /** How long to wait before sending that answer. */
  protected delayFor(_req: http.IncomingMessage): number {
    return 0;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [status, body, headers] = this.answer(req, Buffer.concat(chunks).toString('utf8'));
        const send = () => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
        const delay = this.delayFor(req);
        if (delay > 0) setTimeout(send, delay);
        else send();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
