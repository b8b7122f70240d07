// A real HTTP receiver on 127.0.0.1 for tests: records every raw POST and answers as the test scripts it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reply } from '../../tools/receiver';

export interface ReceivedPost {
  path: string;
  key: string;
  headers: http.IncomingHttpHeaders;
  body: string;
   
  json: any;
  at: number;
}

/** The answer to a POST: the tools' receiver's (tools/receiver.ts). */
export type { Reply };

/** Decides the answer to a POST: `n` is the number of POSTs already seen with this key. */
export type Behaviour = (post: ReceivedPost, n: number) => Reply;

export class TestReceiver {
  readonly posts: ReceivedPost[] = [];
  private server = http.createServer((req, res) => this.onRequest(req, res));
  private counts = new Map<string, number>();
  /** The status of each POST whose reply was written completely to a socket that was still open. */
  private answered = new WeakMap<ReceivedPost, number>();
  private sockets = new Set<import('node:net').Socket>();
  /** Delayed replies not yet due: their timers, and what resolves once each has run. */
  private due = new Map<NodeJS.Timeout, () => void>();
  private dueDone = new Set<Promise<void>>();

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

  /**
   * Distinct idempotency keys of POSTs answered 2xx: only replies actually written to a live socket count
   * (a delayed reply the client gave up on, or whose connection closed first, was never delivered).
   */
  deliveredKeys(): Set<string> {
    return new Set(this.posts.filter((p) => { const s = this.answered.get(p); return s !== undefined && s >= 200 && s < 300; }).map((p) => p.key));
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

  /** Resolves once every delayed reply decided so far has had its turn (written, or dropped: its client was gone). */
  async repliesDone(): Promise<void> {
    await Promise.all(this.dueDone);
  }

  /** Closes every connection and cancels the delayed replies not yet due (no timer outlives the receiver). */
  async stop(): Promise<void> {
    for (const [timer, done] of this.due) {
      clearTimeout(timer);
      done();
    }
    this.due.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Sends a delayed reply when it is due; repliesDone() waits for it, stop() cancels it. */
  private later(send: () => Promise<void>, delayMs: number): void {
    let done!: () => void;
    const turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.dueDone.add(turn);
    void turn.then(() => this.dueDone.delete(turn));
    const timer = setTimeout(() => {
      this.due.delete(timer);
      void send().then(done);
    }, delayMs);
    this.due.set(timer, done);
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
      const post: ReceivedPost = { path: req.url ?? '', key, headers: req.headers, body, json, at: Date.now() };
      const n = this.counts.get(key) ?? 0;
      this.counts.set(key, n + 1);
      const reply = this.behaviour(post, n);
      this.posts.push(post);
      // The status counts only once the whole reply has been handed to a socket that is still open: not
      // when it is decided, and not for a delayed reply whose client already gave up (socket closed).
      // (The server detaches res.socket on 'finish', so keep the request's socket to check it.)
      const socket = req.socket;
      res.once('finish', () => {
        if (!res.destroyed && !socket.destroyed) this.answered.set(post, reply.status);
      });
      /** Writes the reply unless the client is gone; resolves once it is out (or was dropped). */
      const send = () => new Promise<void>((resolve) => {
        if (res.destroyed || socket.destroyed) return resolve();
        res.once('close', () => resolve()); // after 'finish' (above) counted it
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      });
      if (reply.delayMs) this.later(send, reply.delayMs);
      else void send();
    });
  }
}
