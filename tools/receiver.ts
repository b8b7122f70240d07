// The local HTTP receiver the tools share: a server on 127.0.0.1 that reads each request whole, answers it as its
// owner decides (status, headers, body, after a delay) and tells the owner whether the answer reached the sender.
// The bench's and the chaos run's webhook receiver (bench/harness/receiver.ts), the storm's counting receiver
// (bench/storm/receiver.ts) and the bench's OTLP sink (bench/run/privacy.ts) are this server with tallies of their
// own. (src/receiver.ts is the product's demo receiver, a process of its own; the tests have theirs in test/helpers.)
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request, read whole. */
export interface Received {
  method: string;
  /** the request's path and query */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** when its body had arrived (ms since the epoch) */
  at: number;
}

export interface Reply {
  status: number;
  /** answer this much later: a sender whose timeout is shorter gives up first, and the answer reaches nobody */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

export abstract class LocalReceiver {
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one). */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this;
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Closes every connection (answers still delayed reach nobody) and the server. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Decides the answer to a request (and counts what it needs of it). */
  protected abstract receive(r: Received): Reply;

  /** After the answer: `reached` when it was written to a connection still open, false when the sender had gone. */
  protected answered(_r: Received, _reply: Reply, _reached: boolean): void {}

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      const reply = this.receive(r);
      const send = () => {
        const reached = !res.destroyed && !req.socket.destroyed;
        if (reached) res.writeHead(reply.status, reply.headers).end(reply.body);
        this.answered(r, reply, reached);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }
}
