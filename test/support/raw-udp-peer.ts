import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { ConnectInfo } from '@kaosnet/client';
import {
  CloseReason,
  HandshakeClient,
  RudpConnection,
  RudpRole,
  RudpState,
  decodeSingleMessage,
  duplexCipher,
  encodeControlRequest,
  type EstablishedConnection,
  type RudpChannelState,
  type WelcomeInfo,
} from '@kaosnet/transport';
import { inspectPacket, type InspectedPacket } from '../../libs/transport/src/testing/packet-inspector.js';

/** One datagram the peer received, with its arrival time (performance.now()). */
export interface ReceivedDatagram {
  at: number;
  bytes: Buffer;
}

export interface PeerMessage {
  channel: number;
  op: number;
  payload: Buffer;
}

/**
 * A KaosTalk RUDP client built from the transport's own sans-IO parts (HandshakeClient +
 * RudpConnection) on a plain dgram socket, for adversarial e2e tests: it records every datagram
 * in and out, can hold its connection back (to watch WELCOME repeats), forge, replay, tamper with
 * or drop outgoing datagrams, and send raw bytes from any 127.x.y.z address it was bound to.
 */
export class RawUdpPeer {
  readonly received: ReceivedDatagram[] = [];
  /** DATA datagrams the connection produced (before `outbound` filtering). */
  readonly sent: Buffer[] = [];
  readonly messages: PeerMessage[] = [];
  readonly closes: { reason: CloseReason; initiator: string }[] = [];
  bytesIn = 0;
  bytesOut = 0;
  conn?: RudpConnection;
  established?: EstablishedConnection;
  welcome?: WelcomeInfo;
  /** Rewrites what actually leaves (tamper, duplicate, drop). Default: send as produced. */
  outbound: (datagram: Buffer) => Buffer[] = (d) => [d];
  #hs?: HandshakeClient;
  #timer?: NodeJS.Timeout;
  #scheduled = false;
  #closed = false;
  #held: Buffer[] = [];
  #cidSeq = 0;

  private constructor(
    readonly socket: Socket,
    readonly server: { address: string; port: number },
  ) {
    socket.on('message', (msg) => this.#onDatagram(msg));
    socket.on('error', () => undefined);
  }

  /** A socket bound to `bindIp` (any 127.0.0.0/8 address on Linux), aimed at the server. */
  static async open(server: { address: string; port: number }, bindIp = '127.0.0.1'): Promise<RawUdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, bindIp, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawUdpPeer(socket, server);
  }

  static serverOf(info: ConnectInfo): { address: string; port: number } {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(info.udp[0]!)!;
    return { address: m[1]!, port: Number(m[2]) };
  }

  /**
   * Runs the §4 handshake. With `connect` (default) a client RudpConnection takes over at once;
   * without it the peer stays silent after the first WELCOME packet and keeps collecting the
   * server's DATA datagrams until {@link connect} is called.
   */
  async handshake(info: ConnectInfo, opts: { connect?: boolean; resume?: number; timeoutMs?: number; adopt?: RudpChannelState } = {}): Promise<EstablishedConnection> {
    this.#adopt = opts.adopt;
    const hs = new HandshakeClient({
      token: Buffer.from(info.connectToken, 'base64url'),
      keyC2s: Buffer.from(info.clientToServerKey, 'base64url'),
      keyS2c: Buffer.from(info.serverToClientKey, 'base64url'),
      protocolId: BigInt(info.protocolId),
      ...(opts.resume ? { resume: { prevConnId: opts.resume } } : {}),
    });
    this.#hs = hs;
    const timeoutMs = opts.timeoutMs ?? 3000;
    const established = await new Promise<EstablishedConnection>((resolve, reject) => {
      const end = performance.now() + timeoutMs;
      const tick = () => {
        if (hs.state === 'connected') return;
        const out = hs.poll(performance.now());
        if (out) this.sendRaw(out);
        if (hs.failure || performance.now() > end) return reject(new Error(`handshake failed: ${JSON.stringify(hs.failure ?? 'timeout')}`));
        setTimeout(tick, 20);
      };
      this.#onHandshakeDone = resolve;
      this.sendRaw(hs.start(performance.now()));
      setTimeout(tick, 20);
    });
    this.established = established;
    if (opts.connect !== false) this.connect();
    return established;
  }

  /** Creates the client connection and feeds it every DATA datagram received so far. */
  connect(): void {
    const e = this.established!;
    const conn = new RudpConnection({
      role: RudpRole.CLIENT,
      connId: e.connId,
      cipher: duplexCipher(e.sendCipher, e.receiveCipher),
      now: performance.now(),
      rttSeedMs: e.rttSeedMs,
      listener: {
        onMessage: (channel, message) => {
          const m = decodeSingleMessage(Buffer.from(message));
          this.messages.push({ channel, op: m.op, payload: m.payload });
        },
        onClose: (reason, initiator) => this.closes.push({ reason, initiator }),
        onWelcome: (info) => {
          this.welcome = info;
          // A resumed session continues the reliable channels of the connection it came from (§4.6).
          if (info.resumed && this.#adopt) conn.adopt(this.#adopt);
        },
      },
    });
    this.conn = conn;
    for (const d of this.#held.splice(0)) conn.onDatagram(performance.now(), d);
    this.flush();
  }

  #onHandshakeDone?: (e: EstablishedConnection) => void;
  #adopt?: RudpChannelState;

  #onDatagram(msg: Buffer): void {
    if (this.#closed) return;
    this.received.push({ at: performance.now(), bytes: Buffer.from(msg) });
    this.bytesIn += msg.length;
    if (this.conn) {
      this.conn.onDatagram(performance.now(), msg);
      this.#schedule();
      return;
    }
    const hs = this.#hs;
    if (!hs) return;
    if (hs.state === 'connected') {
      if (msg[0] === 0x40) this.#held.push(Buffer.from(msg));
      return;
    }
    const ev = hs.onDatagram(performance.now(), msg);
    if (ev.kind === 'send') this.sendRaw(ev.bytes);
    else if (ev.kind === 'established') {
      this.#held.push(Buffer.from(msg));
      this.#onHandshakeDone?.(ev.connection);
    }
  }

  /** Sends bytes as one datagram to the server, bypassing the connection. */
  sendRaw(bytes: Buffer): void {
    if (this.#closed) return;
    this.bytesOut += bytes.length;
    this.socket.send(bytes, this.server.port, this.server.address);
  }

  /** Queues a KaosTalk message on `channel` and flushes at the end of the turn. */
  sendMessage(channel: number, message: Buffer): void {
    this.conn!.send(channel, message);
    this.#schedule();
  }

  /** Sends a control request on channel 0 (or another channel, to test KT-18); returns its cid. */
  request(op: number, body: Record<string, unknown>, channel = 0, cid = `p${++this.#cidSeq}`): string {
    this.sendMessage(channel, encodeControlRequest(op, cid, body));
    return cid;
  }

  /** Polls the connection now and sends what it produced (through `outbound`). */
  flush(): void {
    const conn = this.conn;
    if (!conn || this.#closed) return;
    for (const d of conn.poll(performance.now())) {
      this.sent.push(Buffer.from(d));
      for (const out of this.outbound(d)) this.sendRaw(out);
    }
    if (this.#timer) clearTimeout(this.#timer);
    const next = conn.nextTimeout();
    if (next !== undefined && Number.isFinite(next)) {
      this.#timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil(next - performance.now())));
      this.#timer.unref();
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /** Decodes a server DATA datagram with this connection's receive key (null if it does not open). */
  inspect(datagram: Buffer): InspectedPacket | null {
    if (datagram[0] !== 0x40 || datagram.length < 26) return null;
    return inspectPacket(this.established!.receiveCipher, datagram);
  }

  /** Control replies (JSON) and events received on any channel. */
  json(op: number): Record<string, unknown>[] {
    return this.messages.filter((m) => m.op === op).map((m) => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
  }

  reply(op: number, cid: string): Record<string, unknown> | undefined {
    return this.json(op).find((b) => b['cid'] === cid);
  }

  async waitFor<T>(probe: () => T | undefined | false, ms = 3000): Promise<T> {
    const end = performance.now() + ms;
    for (;;) {
      const hit = probe();
      if (hit) return hit;
      if (performance.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  get connected(): boolean {
    return this.conn?.state === RudpState.CONNECTED;
  }

  /** Goes dark without CLOSE (a dead NAT, a pulled cable): nothing more is sent or processed. */
  async vanish(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const conn = this.conn;
    if (conn && (conn.state === RudpState.CONNECTED || conn.state === RudpState.PENDING)) {
      conn.close(CloseReason.NORMAL);
      for (let i = 0; i < 3; i++) this.flush(); // CLOSE ×3 (§3.9)
      await new Promise((r) => setTimeout(r, 5)); // let the datagrams leave before the socket goes
    }
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A forced garbage collection when the process allows one (jest workers get it via v8 flags). */
export async function settledHeap(): Promise<{ heapUsed: number; exact: boolean }> {
  const gc = await gcFunction();
  await new Promise((r) => setTimeout(r, 50));
  if (gc) {
    gc();
    gc();
  }
  return { heapUsed: process.memoryUsage().heapUsed, exact: gc !== undefined };
}

let cachedGc: (() => void) | undefined | null = null;

async function gcFunction(): Promise<(() => void) | undefined> {
  if (cachedGc !== null) return cachedGc;
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return (cachedGc = g);
  try {
    // Turning the flag on at run time and fetching `gc` from a fresh context is documented V8
    // behaviour; it spares the test script a --expose-gc flag.
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    cachedGc = vm.runInNewContext('gc') as () => void;
  } catch {
    cachedGc = undefined;
  }
  return cachedGc;
}
