import { getU32 } from '../codec/le-bytes.js';
import { Buffer } from 'node:buffer';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Clock } from '@kaosnet/common';
import { CloseReason } from '../codec/protocol-error.js';
import { Op } from '../codec/op-code.table.js';
import { parseControlRequest } from '../codec/control-payload.codec.js';
import type { ConnectTokens } from '../connect/connect-tokens.js';
import { Direction, PacketType } from '../crypto/data-packet.codec.js';
import { createPacketCipher } from '../crypto/packet-cipher.js';
import type { KaosTalkDispatcher } from '../dispatch/kaostalk-dispatcher.js';
import { HandshakeServer, type AcceptedConnection } from '../handshake/handshake.server.js';
import type { Endpoint } from '../handshake/wire-values.codec.js';
import { RudpConnection } from '../rudp/rudp-connection.js';
import { CloseInitiator, RudpRole, RudpState } from '../rudp/rudp-connection.types.js';
import { DEFAULT_RUDP_LIMITS, type RudpLimits } from '../rudp/rudp.options.js';
import { SessionEndReason, SessionState } from '../session/kaos-session.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SessionStarter } from '../session/session-starter.js';
import type { TransportOptions } from '../transport.options.js';
import { ConnectionScheduler } from './connection-scheduler.js';
import { duplexCipher } from './duplex-cipher.js';
import { ipLiteralLookup } from './ip-literal-lookup.js';
import { UdpConnection, type UdpConnectionHost } from './udp-connection.js';

const MAX_EARLY_MESSAGES = 64;

export interface UdpEndpointCounters {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  droppedUnknownConn: number;
  droppedMalformed: number;
  resumed: number;
  graceExpired: number;
}

/**
 * KaosTalk over RUDP on one UDP port (§3, §4): the stateless handshake, the connection table
 * keyed by conn_id, and what servicing a connection means (poll, send, GRACE, linger, the
 * SessionStart deadline). When that runs — one flush per callback, so messages queued by the same
 * datagram, timer or tick share packets (§3.5 coalescing, KT-52), and one timer heap for every
 * connection's deadlines — is the {@link ConnectionScheduler}'s business.
 */
export class UdpEndpoint implements UdpConnectionHost {
  #socket?: Socket;
  #handshake?: HandshakeServer;
  readonly #conns = new Map<number, UdpConnection>();
  readonly #perIp = new Map<string, number>();
  readonly #explicitKeepalive: boolean;
  readonly #scheduler = new ConnectionScheduler<UdpConnection>(
    (conn, now) => this.#service(conn, now),
    () => this.now(),
  );
  #sweep?: NodeJS.Timeout;
  readonly counters: UdpEndpointCounters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, droppedUnknownConn: 0, droppedMalformed: 0, resumed: 0, graceExpired: 0 };
  readonly #limits: Partial<RudpLimits>;

  constructor(
    private readonly options: TransportOptions,
    private readonly registry: SessionRegistry,
    private readonly dispatcher: KaosTalkDispatcher,
    private readonly starter: SessionStarter,
    private readonly tokens: ConnectTokens,
    private readonly clock: Clock,
    limits: Partial<RudpLimits> = {},
  ) {
    this.#limits = { graceMs: options.resumeGraceMs, idleTimeoutMs: options.idleTimeoutMs, ...limits };
    this.#explicitKeepalive = limits.keepaliveMs !== undefined;
  }

  get address(): Endpoint | undefined {
    const a = this.#socket?.address();
    return a ? { ip: a.address, port: a.port } : undefined;
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  get handshake(): HandshakeServer | undefined {
    return this.#handshake;
  }

  /**
   * Limits of one connection: the token's idle timeout, and unless `keepaliveMs` was configured
   * explicitly, a keep-alive of at most a third of it. The spec's 2-s default against an idle
   * timeout of 2 s or less would let every quiet client time out between two PINGs and cycle
   * through GRACE and resume (§3.9 has the client PING after `keepalive_ms` of silence).
   */
  #connectionLimits(tokenIdleMs: number | undefined): Partial<RudpLimits> {
    const idle = tokenIdleMs || this.#limits.idleTimeoutMs || DEFAULT_RUDP_LIMITS.idleTimeoutMs;
    const keepaliveMs = this.#explicitKeepalive ? this.#limits.keepaliveMs : Math.min(DEFAULT_RUDP_LIMITS.keepaliveMs, Math.max(1, Math.floor(idle / 3)));
    return { ...this.#limits, idleTimeoutMs: idle, keepaliveMs };
  }

  connection(connId: number): UdpConnection | undefined {
    return this.#conns.get(connId);
  }

  now(): number {
    return this.clock.monotonic();
  }

  async start(): Promise<void> {
    const { host, port } = this.options.udp;
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
    this.#socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    for (const set of [socket.setRecvBufferSize.bind(socket), socket.setSendBufferSize.bind(socket)]) {
      try {
        set(4 * 1024 * 1024);
      } catch {
        // The kernel caps it (rmem_max); the default still works.
      }
    }
    socket.on('message', this.#onDatagram);
    socket.on('error', () => undefined);
    const bound = socket.address();
    const endpoints = this.options.publicUdpEndpoints.length
      ? this.options.publicUdpEndpoints.map((e) => {
          const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(e)!;
          return { ip: m[1]!, port: Number(m[2]) };
        })
      : [{ ip: bound.address === '0.0.0.0' ? '127.0.0.1' : bound.address === '::' ? '::1' : bound.address, port: bound.port }];
    this.tokens.setUdpEndpoints(endpoints);
    this.#handshake = new HandshakeServer({
      protocolId: this.options.protocolId,
      tokenKeys: this.tokens.keyRing,
      publicEndpoints: endpoints,
      maxConnections: this.options.maxSessions,
      tokenUses: this.tokens.tokenUses,
      now: this.clock.now(),
      host: {
        connectionCount: () => this.#conns.size,
        connectionCountForIp: (ip) => this.#perIp.get(ip) ?? 0,
        isDraining: () => this.registry.draining,
        isPending: (connId) => this.#conns.get(connId)?.rudp.state === RudpState.PENDING,
        allocateConnId: () => this.#allocateConnId(),
      },
    });
    this.#sweep = setInterval(() => this.#handshake?.sweep(this.clock.now()), 1000);
    this.#sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    // Sessions were drained by the gateway; push their CLOSE frames out, then close the socket.
    for (const conn of this.#conns.values()) {
      if (conn.lingerClose) conn.rudp.close(conn.lingerClose.reason);
      this.#scheduler.markDirty(conn);
    }
    this.#scheduler.flush();
    this.#scheduler.stop();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#conns.clear();
  }

  // --- datagrams -----------------------------------------------------------------------------

  readonly #onDatagram = (msg: Buffer, rinfo: RemoteInfo): void => {
    this.counters.datagramsIn++;
    this.counters.bytesIn += msg.length;
    const type = msg[0];
    if (type === PacketType.DATA) {
      if (msg.length < 26) return void this.counters.droppedMalformed++;
      const conn = this.#conns.get(getU32(msg, 1));
      if (!conn || conn.inGrace) return void this.counters.droppedUnknownConn++;
      // Replies the handlers queue while this datagram is processed leave at its end, in one
      // flush; sends made later (after an await) take the microtask path.
      this.#scheduler.beginDatagram();
      try {
        conn.rudp.onDatagram(this.now(), msg, rinfo);
      } finally {
        this.#scheduler.endDatagram(conn);
      }
      return;
    }
    if (type === PacketType.HELLO || type === PacketType.RESPONSE) return this.#onHandshake(msg, rinfo);
    this.counters.droppedMalformed++;
  };

  #onHandshake(msg: Buffer, rinfo: RemoteInfo): void {
    const hs = this.#handshake;
    if (!hs) return;
    const outcome = hs.onDatagram(this.clock.now(), msg, { ip: rinfo.address, port: rinfo.port });
    switch (outcome.kind) {
      case 'challenge':
      case 'denied':
        return this.#sendTo(outcome.bytes, rinfo.port, rinfo.address);
      case 'resend-welcome': {
        const conn = this.#conns.get(outcome.connId);
        if (conn) {
          conn.rudp.ping();
          this.markDirty(conn);
        }
        return;
      }
      case 'accept':
        return this.#accept(outcome.connection);
      default:
        return;
    }
  }

  #accept(a: AcceptedConnection): void {
    const now = this.now();
    const previous = a.resumeRequested ? this.#conns.get(a.prevConnId) : undefined;
    const resumable =
      previous !== undefined &&
      previous.token.sessionId === a.sessionId &&
      previous.token.userId === a.userId &&
      previous.session !== undefined &&
      (previous.session.state === SessionState.ACTIVE || previous.session.state === SessionState.SUSPENDED);
    const conn = new UdpConnection(this, a.connId, { userId: a.userId, sessionId: a.sessionId, idleTimeoutMs: a.idleTimeoutMs, tokenTag: a.tokenTag }, a.address.ip, now, this.options.sessionStartTimeoutMs);
    const channelState = resumable ? (previous!.graceState ?? previous!.rudp.exportChannelState()) : undefined;
    conn.rudp = new RudpConnection({
      role: RudpRole.SERVER,
      connId: a.connId,
      cipher: duplexCipher(createPacketCipher(a.keyS2c, Direction.S2C), createPacketCipher(a.keyC2s, Direction.C2S)),
      now,
      rttSeedMs: a.rttSeedMs,
      remoteAddress: { address: a.address.ip, port: a.address.port },
      resumed: resumable,
      channelState,
      limits: this.#connectionLimits(a.idleTimeoutMs),
      listener: conn,
      wallClock: () => this.clock.now(),
    });
    if (resumable) {
      // §4.6: the new connection takes over the session; the old one is discarded without CLOSE.
      const session = previous!.session!;
      previous!.session = undefined;
      previous!.graceState = undefined;
      this.#free(previous!);
      conn.session = session;
      session.link = conn;
      session.state = SessionState.ACTIVE;
      this.counters.resumed++;
    }
    this.#conns.set(conn.connId, conn);
    this.#perIp.set(conn.ip, (this.#perIp.get(conn.ip) ?? 0) + 1);
    this.markDirty(conn);
  }

  // --- UdpConnectionHost ---------------------------------------------------------------------

  markDirty(conn: UdpConnection): void {
    this.#scheduler.markDirty(conn);
  }

  onConnMessage(conn: UdpConnection, channel: number, message: Buffer): void {
    const op = message[0]!;
    const payload = message.subarray(3);
    const session = conn.session;
    if (session) {
      if (session.active) this.dispatcher.handle(session, op, payload, channel);
      return;
    }
    if (conn.starting) {
      if (conn.early.length < MAX_EARLY_MESSAGES) conn.early.push({ channel, message: Buffer.from(message) });
      return;
    }
    if (op !== Op.SessionStart || channel !== 0) return conn.unauthorized(op, message);
    const parsed = parseControlRequest(op, payload);
    if (!parsed.ok) return conn.unauthorized(op, message);
    conn.starting = true;
    void this.starter.start(conn, conn.token, parsed.cid, parsed.body).then((session) => {
      conn.starting = false;
      if (!session) return;
      if (conn.freed || conn.inGrace) return this.registry.end(session, SessionEndReason.DISCONNECTED);
      conn.session = session;
      for (const m of conn.early.splice(0)) this.onConnMessage(conn, m.channel, m.message);
    });
  }

  onConnClosed(conn: UdpConnection, initiator: CloseInitiator): void {
    // CLOSE received, or a protocol error closed it here: the session ends now, no grace (§4.6).
    const session = conn.session;
    conn.session = undefined;
    if (session && session.link === conn) this.registry.end(session, initiator === CloseInitiator.PEER ? SessionEndReason.DISCONNECTED : SessionEndReason.DISCONNECTED);
    this.markDirty(conn);
  }

  onConnLost(conn: UdpConnection, previous: RudpState): void {
    const session = conn.session;
    // A PENDING connection holds a session only when it resumed one (its client already has
    // WELCOME resumed = 1): losing it is a lost path like any other, so it gets GRACE too.
    const graceable = previous === RudpState.CONNECTED || (previous === RudpState.PENDING && session !== undefined);
    if (!graceable || !session || !session.active) {
      if (session) this.registry.end(session, SessionEndReason.DISCONNECTED);
      return this.#free(conn);
    }
    // GRACE (§4.6): keep the session and its reliable channel state for resumeGraceMs.
    conn.graceState = conn.rudp.exportChannelState();
    conn.graceUntil = this.now() + this.options.resumeGraceMs;
    session.state = SessionState.SUSPENDED;
    this.#scheduler.rearm(conn, conn.graceUntil); // replaces whatever the connection had armed
  }

  onConnOverflow(conn: UdpConnection): void {
    if (conn.session) this.registry.end(conn.session, SessionEndReason.OVERFLOW);
  }

  onConnFreed(conn: UdpConnection): void {
    this.#free(conn);
  }

  // --- servicing a connection ----------------------------------------------------------------

  #service(conn: UdpConnection, now: number): void {
    if (conn.freed) return;
    if (conn.graceState) {
      if (now >= conn.graceUntil) {
        this.counters.graceExpired++;
        const session = conn.session;
        conn.session = undefined;
        conn.graceState = undefined;
        if (session) this.registry.end(session, SessionEndReason.DISCONNECTED);
        this.#free(conn);
      } else {
        // Serviced early (another deadline of the old connection fired): keep the grace deadline
        // armed, or the session would stay suspended for good.
        this.#scheduler.arm(conn, conn.graceUntil);
      }
      return;
    }
    const rudp = conn.rudp;
    if (!conn.session && !conn.starting && rudp.state === RudpState.CONNECTED && now >= conn.startDeadline) {
      rudp.close(CloseReason.UNAUTHORIZED);
    }
    if (conn.lingerClose && (now >= conn.lingerClose.until || rudp.stats().backlogMessages === 0)) {
      const { reason } = conn.lingerClose;
      conn.lingerClose = undefined;
      rudp.close(reason);
    }
    const out = rudp.poll(now);
    const dest = rudp.remoteAddress;
    if (dest) for (const d of out) this.#sendTo(d, dest.port, dest.address);
    if (conn.freed) return;
    // The poll may have lost the connection into GRACE (onConnLost armed graceUntil): the old
    // connection's own deadlines must not replace that one.
    if (conn.graceState) return;
    let next = rudp.nextTimeout();
    // Only a CONNECTED connection still waiting for SessionStart has this deadline; once it is past
    // (or the connection is closing) arming it again would re-fire at the same past time forever.
    if (!conn.session && !conn.starting && rudp.state === RudpState.CONNECTED && conn.startDeadline > now) {
      next = Math.min(next ?? Infinity, conn.startDeadline);
    }
    if (conn.lingerClose) next = Math.min(next ?? Infinity, conn.lingerClose.until);
    if (next !== undefined && next !== Infinity) this.#scheduler.arm(conn, next);
  }

  #sendTo(bytes: Buffer, port: number, address: string): void {
    const socket = this.#socket;
    if (!socket) return;
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    socket.send(bytes, port, address);
  }

  #free(conn: UdpConnection): void {
    if (conn.freed) return;
    conn.freed = true;
    if (this.#conns.get(conn.connId) === conn) {
      this.#conns.delete(conn.connId);
      const n = (this.#perIp.get(conn.ip) ?? 1) - 1;
      if (n <= 0) this.#perIp.delete(conn.ip);
      else this.#perIp.set(conn.ip, n);
    }
  }

  #allocateConnId(): number {
    for (;;) {
      const id = randomBytes(4).readUInt32LE(0);
      if (id !== 0 && !this.#conns.has(id)) return id;
    }
  }
}

