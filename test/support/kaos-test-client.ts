import WebSocket from 'ws';
import { once } from 'node:events';
import { KaosClient, type KaosAuth } from '@kaosnet/client';
import { decodeMessages, encodeControlRequest, Op, type KtMessage } from '@kaosnet/transport';
import { TEST_SERVER_KEY, type TestServer } from './test-server.js';

let deviceSeq = 0;

/** A fresh player on the test server: authenticated device account + SDK client. */
export async function newPlayer(s: TestServer, name = 'player'): Promise<{ client: KaosClient; auth: KaosAuth }> {
  const client = new KaosClient({ baseUrl: s.clientUrl, serverKey: TEST_SERVER_KEY });
  const auth = await client.authenticateDevice(`${name}-device-${process.pid}-${++deviceSeq}-${Date.now()}`);
  return { client, auth };
}

/**
 * A raw WebSocket peer that speaks KaosTalk by hand, for forging input the SDK would never send.
 * Collects every KaosTalk message received and the close code.
 */
export class RawWsPeer {
  readonly received: KtMessage[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      for (const m of decodeMessages(Buffer.from(data), 10_000)) this.received.push({ op: m.op, payload: Buffer.from(m.payload) });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code: number) => resolve((this.closeCode = code))));
  }

  static async open(url: string, protocols: string[] = ['kaostalk.v1']): Promise<RawWsPeer> {
    const ws = new WebSocket(url, protocols);
    const peer = new RawWsPeer(ws);
    await once(ws, 'open');
    return peer;
  }

  send(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  sendStart(token: string, cid = 'start'): void {
    this.send(encodeControlRequest(Op.SessionStart, cid, { v: 1, token }));
  }

  /** Resolves with the first received message matching `pred` (waits up to `ms`). */
  async waitFor(pred: (m: KtMessage) => boolean, ms = 3000): Promise<KtMessage> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error('timed out waiting for a message');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  json(m: KtMessage): Record<string, unknown> {
    return JSON.parse(m.payload.toString('utf8'));
  }
}
