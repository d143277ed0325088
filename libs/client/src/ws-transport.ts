import { decodeMessages, Lane } from '@kaosnet/transport';
import type { SocketTransport, TransportClose } from './socket-transport.js';

export const KAOSTALK_SUBPROTOCOL = 'kaostalk.v1';

type WsLike = {
  binaryType: string;
  readyState: number;
  bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};

/** The browser's WebSocket when there is one, else the `ws` package (Node 20 has no global WebSocket). */
async function webSocketCtor(): Promise<new (url: string, protocols: string[]) => WsLike> {
  const g = globalThis as unknown as { WebSocket?: new (url: string, protocols: string[]) => WsLike };
  if (g.WebSocket) return g.WebSocket;
  const mod = await import('ws');
  return mod.default as unknown as new (url: string, protocols: string[]) => WsLike;
}

/**
 * KaosTalk over WebSocket (§5): messages of one event-loop turn are concatenated into one binary
 * WS message; TCP gives order and reliability, so lanes only matter to the server.
 */
export class WsSocketTransport implements SocketTransport {
  readonly kind = 'ws' as const;
  onMessage?: (op: number, payload: Buffer, channel: number) => void;
  onClose?: (info: TransportClose) => void;
  #pending: Buffer[] = [];
  #scheduled = false;

  private constructor(private readonly ws: WsLike) {
    ws.onmessage = (ev) => {
      const data = ev.data;
      const buf = Buffer.isBuffer(data) ? data : data instanceof ArrayBuffer ? Buffer.from(data) : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : null;
      if (!buf) return; // text frames are not KaosTalk
      let messages;
      try {
        messages = decodeMessages(buf, 4096);
      } catch {
        ws.close(1002);
        return;
      }
      for (const m of messages) this.onMessage?.(m.op, m.payload, -1);
    };
    ws.onclose = (ev) => this.onClose?.({ code: ev.code, reason: ev.reason });
  }

  /** Opens `url` (e.g. ws://127.0.0.1:7350/ws) with the `kaostalk.v1` subprotocol. */
  static async open(url: string, timeoutMs = 5000): Promise<WsSocketTransport> {
    const Ctor = await webSocketCtor();
    const ws = new Ctor(url, [KAOSTALK_SUBPROTOCOL]);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`WebSocket ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`WebSocket ${url} failed to open`));
      };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket ${url} closed during open (${ev.code})`));
      };
    });
    ws.onerror = null;
    return new WsSocketTransport(ws);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(message: Buffer, _lane: Lane = Lane.CONTROL): void {
    if (this.ws.readyState !== 1) return;
    this.#pending.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Sends bytes exactly as given, in their own WS message (tests use this to forge input). */
  sendRaw(bytes: Uint8Array): void {
    this.#flush();
    this.ws.send(bytes);
  }

  close(code = 1000): void {
    this.#flush();
    this.ws.close(code);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#pending.length === 0 || this.ws.readyState !== 1) return;
    const out = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.ws.send(out);
  };
}
