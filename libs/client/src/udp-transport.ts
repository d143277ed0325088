import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  CloseReason,
  HandshakeClient,
  Lane,
  RudpConnection,
  RudpRole,
  RudpState,
  duplexCipher,
  type EstablishedConnection,
  type RudpChannelState,
  type RudpLimits,
  type WelcomeInfo,
} from '@kaosnet/transport';
import type { ConnectInfo } from './kaos-client.js';
import type { SocketTransport, TransportClose } from './socket-transport.js';

/**
 * Client-side RUDP defaults that differ from the spec's server table (§7.2). The inbound packet
 * limit there (300/s) is sized for what one client may send a server; a client in a busy room
 * receives the fan-out of every member plus the room's ticks, and its peer is the authenticated
 * server, so the client allows ten times as much before it drops (a dropped server packet costs
 * a retransmission and a latency spike, not safety). `ConnectOptions.udpLimits` overrides it.
 */
export const CLIENT_RUDP_DEFAULTS: Partial<RudpLimits> = { maxInboundPacketsPerSec: 3_000 };

const LANE_CHANNEL: Record<Lane, number> = { [Lane.CONTROL]: 0, [Lane.RO]: 1, [Lane.RU]: 2, [Lane.US]: 3, [Lane.U]: 4 };

export interface UdpTransportOptions {
  /** Fetches a fresh connect token for the same session when the old one expired (resume, §4.6). */
  refreshConnectInfo?: () => Promise<ConnectInfo>;
  /** Try to resume after an idle timeout (default true). */
  resume?: boolean;
  limits?: Partial<RudpLimits>;
  handshakeTimeoutMs?: number;
}

/**
 * KaosTalk over RUDP for Node clients: the §4 handshake (HandshakeClient), then a client
 * RudpConnection on a connected dgram socket. Keep-alive is the connection's PING (§3.9). After an
 * idle timeout it resumes within the server's grace period (§4.6), keeping its reliable channel
 * state so nothing reliable is lost or duplicated.
 */
export class UdpSocketTransport implements SocketTransport {
  readonly kind = 'udp' as const;
  readonly ownsPayloads = true;
  onMessage?: (op: number, payload: Buffer, channel: number) => void;
  onClose?: (info: TransportClose) => void;
  /** Fired when a resume attempt ends: resumed = the session continues; false = it is gone. */
  onResume?: (resumed: boolean) => void;
  #conn?: RudpConnection;
  #socket: Socket;
  #timer?: NodeJS.Timeout;
  /** Deadline the armed `#timer` was set for (monotonic ms). */
  #timerAt = Infinity;
  #scheduled = false;
  #closed = false;
  #grace?: RudpChannelState;
  #graceMs = 0;
  #lostAt = 0;
  #info: ConnectInfo;
  #blackout = false;
  welcome?: WelcomeInfo;

  private constructor(socket: Socket, info: ConnectInfo, private readonly options: UdpTransportOptions) {
    this.#socket = socket;
    this.#info = info;
    socket.on('message', (msg) => this.#onDatagram(msg));
    socket.on('error', () => undefined);
  }

  /** Handshakes with the first UDP endpoint of `info` and resolves once WELCOME arrived. */
  static async connect(info: ConnectInfo, options: UdpTransportOptions = {}): Promise<UdpSocketTransport> {
    const [host, port] = splitHostPort(info.udp[0]!);
    const ip = isIP(host) ? host : (await lookup(host)).address;
    const socket = createSocket({ type: isIP(ip) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, ip, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const transport = new UdpSocketTransport(socket, info, options);
    try {
      await transport.#handshake(info);
    } catch (error) {
      socket.close();
      throw error;
    }
    return transport;
  }

  get connId(): number | undefined {
    return this.#conn?.connId;
  }

  get state(): RudpState | undefined {
    return this.#conn?.state;
  }

  stats(): ReturnType<RudpConnection['stats']> | undefined {
    return this.#conn?.stats();
  }

  /** Test seam: while on, every datagram in or out is dropped (a network blackout). */
  setBlackout(on: boolean): void {
    this.#blackout = on;
  }

  /** Test seam: sends raw bytes as one datagram. */
  sendRawDatagram(bytes: Buffer): void {
    this.#socket.send(bytes);
  }

  send(message: Buffer, lane: Lane): void {
    if (this.#closed) return;
    if (this.#grace) {
      if (lane === Lane.RO || lane === Lane.RU || lane === Lane.CONTROL) this.#grace.enqueue(LANE_CHANNEL[lane], message, now());
      return;
    }
    const conn = this.#conn;
    if (!conn || (conn.state !== RudpState.CONNECTED && conn.state !== RudpState.PENDING)) return;
    conn.send(LANE_CHANNEL[lane], message, now());
    this.#schedule();
  }

  /** CLOSE ×3 (§3.9, the client's direct path), then the socket closes after the packets leave. */
  close(): void {
    if (this.#closed) return;
    const conn = this.#conn;
    if (conn && (conn.state === RudpState.CONNECTED || conn.state === RudpState.PENDING)) {
      conn.close(CloseReason.NORMAL);
      for (let i = 0; i < 3; i++) this.#flush();
    }
    this.#finish({ code: CloseReason.NORMAL, reason: 'closed by client' });
  }

  // --- connection events ---------------------------------------------------------------------

  #deliver(channel: number, message: Buffer): void {
    this.onMessage?.(message[0]!, message.subarray(3), channel);
  }

  #onWelcome(info: WelcomeInfo): void {
    this.welcome = info;
    this.#graceMs = info.graceMs;
  }

  #onLost(): void {
    const conn = this.#conn!;
    if (this.options.resume === false || this.#closed) return this.#finish({ code: -1, reason: 'connection lost' });
    this.#grace = conn.exportChannelState();
    this.#lostAt = now();
    void this.#resume(conn.connId!);
  }

  #onPeerClose(reason: CloseReason): void {
    // CLOSE from the server (kick, shutdown, replaced …): nothing more will arrive.
    queueMicrotask(() => this.#finish({ code: reason, reason: 'closed by server' }));
  }

  #onOverflow(): void {
    this.close();
  }

  // --- internals -----------------------------------------------------------------------------

  async #handshake(info: ConnectInfo, resume?: { prevConnId: number; state: RudpChannelState }): Promise<void> {
    const hs = new HandshakeClient({
      token: Buffer.from(info.connectToken, 'base64url'),
      keyC2s: Buffer.from(info.clientToServerKey, 'base64url'),
      keyS2c: Buffer.from(info.serverToClientKey, 'base64url'),
      protocolId: BigInt(info.protocolId),
      ...(resume ? { resume: { prevConnId: resume.prevConnId } } : {}),
      ...(this.options.handshakeTimeoutMs ? { timeoutMs: this.options.handshakeTimeoutMs } : {}),
    });
    const established = await new Promise<{ conn: EstablishedConnection; first: Buffer }>((resolve, reject) => {
      const tick = () => {
        if (this.#closed) return done(new KaosConnectError('transport closed during the handshake'));
        const out = hs.poll(now());
        if (out) this.#rawSend(out);
        if (hs.failure) return done(handshakeError(hs.failure));
        timer = setTimeout(tick, Math.max(1, hs.nextTimeout() - now()));
      };
      const onMsg = (msg: Buffer) => {
        if (this.#blackout) return;
        const ev = hs.onDatagram(now(), msg);
        if (ev.kind === 'send') this.#rawSend(ev.bytes);
        else if (ev.kind === 'failed') done(handshakeError(ev.failure));
        else if (ev.kind === 'established') done(undefined, { conn: ev.connection, first: Buffer.from(msg) });
      };
      let timer: NodeJS.Timeout | undefined;
      const done = (err?: Error, value?: { conn: EstablishedConnection; first: Buffer }) => {
        clearTimeout(timer);
        this.#socket.off('message', onMsg);
        this.#handshaking = false;
        if (err) reject(err);
        else resolve(value!);
      };
      this.#handshaking = true;
      this.#socket.on('message', onMsg);
      this.#rawSend(hs.start(now()));
      timer = setTimeout(tick, Math.max(1, hs.nextTimeout() - now()));
    });
    const e = established.conn;
    const t = now();
    const conn = new RudpConnection({
      role: RudpRole.CLIENT,
      connId: e.connId,
      cipher: duplexCipher(e.sendCipher, e.receiveCipher),
      now: t,
      rttSeedMs: e.rttSeedMs,
      limits: { ...CLIENT_RUDP_DEFAULTS, ...this.options.limits },
      listener: {
        onMessage: (channel, message) => this.#deliver(channel, message),
        onWelcome: (info) => {
          this.#onWelcome(info);
          if (resume && info.resumed) conn.adopt(resume.state);
        },
        onLost: () => this.#onLost(),
        onClose: (reason, initiator) => {
          if (initiator === 'peer') this.#onPeerClose(reason);
        },
        onOverflow: () => this.#onOverflow(),
      },
    });
    this.#conn = conn;
    // The new connection owns the channel state from here on (adopted at WELCOME when resumed), so
    // sends go to it and flushes poll it. Left set until #resume ran, the grace made the flush
    // queued below a no-op: no ACK of WELCOME, no re-sent or queued messages and no timer (not even
    // the idle one) until the server happened to send again — and a server with nothing to send
    // freed the resumed connection, still PENDING, and ended the session (KT-57's silent observer).
    this.#grace = undefined;
    conn.onDatagram(t, established.first);
    this.#schedule();
  }

  #handshaking = false;

  async #resume(prevConnId: number): Promise<void> {
    const state = this.#grace!;
    try {
      let info = this.#info;
      if (info.expiresAt <= Date.now() + 1000 && this.options.refreshConnectInfo) info = this.#info = await this.options.refreshConnectInfo();
      if (this.#graceMs && now() - this.#lostAt > this.#graceMs) throw new Error('grace period over');
      await this.#handshake(info, { prevConnId, state });
      const resumed = this.welcome?.resumed === true;
      this.onResume?.(resumed);
      if (!resumed) this.#finish({ code: -1, reason: 'session lost: server did not resume' });
    } catch {
      this.#grace = undefined;
      if (this.#closed) return; // closed by the application meanwhile: nothing to report
      this.onResume?.(false);
      this.#finish({ code: -1, reason: 'connection lost' });
    }
  }

  #onDatagram(msg: Buffer): void {
    if (this.#blackout || this.#handshaking || this.#closed) return;
    const conn = this.#conn;
    if (!conn) return;
    conn.onDatagram(now(), msg);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Sends made in the same turn share packets; nothing waits for the next loop iteration.
    queueMicrotask(this.#onFlush);
  }

  readonly #onFlush = (): void => {
    this.#scheduled = false;
    this.#flush();
  };

  #flush(): void {
    const conn = this.#conn;
    if (!conn || this.#grace) return;
    for (const d of conn.poll(now())) this.#rawSend(d);
    this.#arm(conn.nextTimeout());
  }

  /**
   * Keeps one timer for the connection's next deadline. A timer already due at or before `next`
   * is left alone (its flush re-arms for whatever is then due), so the common case — every packet
   * moving the PTO deadline a little later — costs no clearTimeout / setTimeout pair.
   */
  #arm(next: number | undefined): void {
    if (next === undefined || this.#closed) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(next - now())));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#flush();
  };

  #rawSend(bytes: Buffer): void {
    // After #finish the socket is closing: dgram would throw from a timer callback.
    if (this.#blackout || this.#closed) return;
    this.#socket.send(bytes);
  }

  #finish(info: TransportClose): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    // Let the CLOSE packets leave before the socket goes.
    setImmediate(() => this.#socket.close());
    this.onClose?.(info);
  }
}

const DENIED_REASONS: Record<number, string> = { 1: 'server full', 2: 'forbidden', 3: 'too many connections from this address', 4: 'server unavailable' };

/** The handshake did not complete: DENIED by the server (§4.3) or no answer in time. */
export class KaosConnectError extends Error {
  constructor(
    message: string,
    readonly deniedReason?: number,
  ) {
    super(message);
    this.name = 'KaosConnectError';
  }
}

function handshakeError(failure: { kind: 'timeout' } | { kind: 'denied'; reason: number }): KaosConnectError {
  if (failure.kind === 'timeout') return new KaosConnectError('handshake failed: no answer from the server (timeout)');
  return new KaosConnectError(`handshake failed: ${DENIED_REASONS[failure.reason] ?? 'denied'} (DENIED reason ${failure.reason})`, failure.reason);
}

function now(): number {
  return performance.now();
}

function splitHostPort(text: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new Error(`bad UDP endpoint ${text}`);
  return [m[1]!, Number(m[2])];
}
