// A real HTTP receiver on 127.0.0.1 for tests: records every raw POST and answers as the test scripts it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  path: string;
  key: string;
  headers: http.IncomingHttpHeaders;
  body: string;
   
  json: any;
  at: number;
}

export interface Reply {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides the answer to a POST: `n` is the number of POSTs already seen with this key. */
export type Behaviour = (post: ReceivedPost, n: number) => Reply;

export class TestReceiver {
  readonly posts: ReceivedPost[] = [];
  private server = http.createServer((req, res) => this.onRequest(req, res));
  private counts = new Map<string, number>();
  private sockets = new Set<import('node:net').Socket>();

  constructor(public behaviour: Behaviour = () => ({ status: 200 })) {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  /** Distinct idempotency keys of POSTs answered 2xx. */
  deliveredKeys(): Set<string> {
    return new Set(this.posts.filter((p) => (p as ReceivedPost & { status?: number }).status! < 300).map((p) => p.key));
  }

  keys(): Set<string> {
    return new Set(this.posts.map((p) => p.key));
  }

  async waitFor(pred: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${this.posts.length} POSTs so far)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const key = String(req.headers['idempotency-key'] ?? req.headers['webhook-id'] ?? '');
      const post: ReceivedPost & { status?: number } = { path: req.url ?? '', key, headers: req.headers, body, json, at: Date.now() };
      const n = this.counts.get(key) ?? 0;
      this.counts.set(key, n + 1);
      const reply = this.behaviour(post, n);
      post.status = reply.status;
      this.posts.push(post);
      const send = () => {
        if (!res.destroyed) res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }
}
