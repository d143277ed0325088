import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Clock } from '@kaosnet/common';
import { parseControlRequest } from '../codec/control-payload.codec.js';
import { decodeMessages } from '../codec/message.codec.js';
import { Op } from '../codec/op-code.table.js';
import { isProtocolError, ProtocolErrorCode } from '../codec/protocol-error.js';
import type { KaosTalkDispatcher } from '../dispatch/kaostalk-dispatcher.js';
import type { KaosSession } from '../session/kaos-session.js';
import { SessionEndReason } from '../session/kaos-session.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SessionStarter, VerifiedToken } from '../session/session-starter.js';
import type { TransportOptions } from '../transport.options.js';
import { WsLink } from './ws-link.js';

export const WS_SUBPROTOCOL = 'kaostalk.v1';

/** Validates connect tokens for WebSocket use (WS flag bit, single use: §4.5 step 6, §5.3). */
export interface WsTokenVerifier {
  verifyForWebSocket(token: Buffer, now: number): VerifiedToken | null;
}

interface WsConn {
  link: WsLink;
  session?: KaosSession;
  /** Token validated before the upgrade (`?token=`, §5.4). */
  queryToken?: { raw: string; verified: VerifiedToken };
  starting: boolean;
  /** Messages that arrived while SessionStart was being resolved (bounded). */
  early: RawData[];
  openedAt: number;
}

const MAX_EARLY_FRAMES = 64;

/**
 * KaosTalk over WebSocket (§5) on the client HTTP port: subprotocol `kaostalk.v1`, the first message
 * is SessionStart carrying the connect token, whole messages concatenated in binary WS messages,
 * one sweep timer for auth timeouts, pings and idle closes (not one timer per connection).
 */
export class WsEndpoint {
  readonly #wss: WebSocketServer;
  readonly #conns = new Set<WsConn>();
  #sweep?: NodeJS.Timeout;
  #server?: HttpServer;
  readonly counters = { upgradesRefused: 0, authFailures: 0, protocolErrors: 0 };

  constructor(
    private readonly options: TransportOptions,
    private readonly registry: SessionRegistry,
    private readonly dispatcher: KaosTalkDispatcher,
    private readonly starter: SessionStarter,
    private readonly verifier: WsTokenVerifier,
    private readonly clock: Clock,
  ) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.ws.maxFrameBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
    });
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  attach(server: HttpServer): void {
    this.#server = server;
    server.on('upgrade', this.#onUpgrade);
    this.#sweep = setInterval(this.#onSweep, 1000);
    this.#sweep.unref();
  }

  async close(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#server?.off('upgrade', this.#onUpgrade);
    for (const c of this.#conns) c.link.closeWithCode(1001);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.options.wsPath) return refuse(socket, 404, 'Not Found');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!offered.includes(WS_SUBPROTOCOL)) {
      this.counters.upgradesRefused++;
      return refuse(socket, 400, 'Bad Request', `subprotocol ${WS_SUBPROTOCOL} required`);
    }
    if (this.registry.draining) return refuse(socket, 503, 'Service Unavailable');
    let queryToken: WsConn['queryToken'];
    const raw = url.searchParams.get('token');
    if (raw !== null && this.options.ws.allowQueryToken) {
      const verified = this.#verify(raw);
      if (!verified) {
        this.counters.authFailures++;
        return refuse(socket, 401, 'Unauthorized');
      }
      queryToken = { raw, verified };
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req, queryToken));
  };

  #onConnection(ws: WebSocket, req: IncomingMessage, queryToken: WsConn['queryToken']): void {
    const now = this.clock.now();
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const link = new WsLink(ws, address, this.options.ws, now);
    const conn: WsConn = { link, queryToken, starting: false, early: [], openedAt: now };
    link.onOverflow = () => {
      if (conn.session) this.registry.end(conn.session, SessionEndReason.OVERFLOW);
    };
    this.#conns.add(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(conn, data, isBinary));
    ws.on('pong', () => link.recordPong(this.clock.now()));
    ws.on('close', () => this.#onClose(conn));
    ws.on('error', () => link.closeWithCode(1002));
  }

  #onMessage(conn: WsConn, data: RawData, isBinary: boolean): void {
    const { link } = conn;
    if (link.closed) return;
    if (!isBinary) return link.closeWithCode(1003);
    const buf = toBuffer(data);
    if (!conn.session) {
      if (conn.starting) {
        if (conn.early.length < MAX_EARLY_FRAMES) conn.early.push(buf);
        return;
      }
      return this.#authenticate(conn, buf);
    }
    this.#dispatch(conn, conn.session, buf);
  }

  #dispatch(conn: WsConn, session: KaosSession, buf: Buffer): void {
    let messages;
    try {
      // The whole WS message is checked before any of its messages is processed (§5.2, KT-3).
      messages = decodeMessages(buf, this.options.ws.maxMessagesPerFrame);
    } catch (error) {
      this.counters.protocolErrors++;
      if (isProtocolError(error) && error.code === ProtocolErrorCode.TOO_MANY_MESSAGES) return conn.link.closeWithCode(1009);
      return conn.link.closeWithCode(1002);
    }
    conn.link.countIn(buf.length, messages.length, this.clock.now());
    for (const m of messages) {
      if (!session.active) return;
      this.dispatcher.handle(session, m.op, m.payload, -1);
    }
  }

  /** First message: exactly one KaosTalk message, SessionStart with a valid token, else 4401 and silence (§5.3). */
  #authenticate(conn: WsConn, buf: Buffer): void {
    const fail = () => {
      this.counters.authFailures++;
      conn.link.closeWithCode(4401);
    };
    let messages;
    try {
      messages = decodeMessages(buf, 1);
    } catch {
      return fail();
    }
    const first = messages[0];
    if (messages.length !== 1 || !first || first.op !== Op.SessionStart) return fail();
    const parsed = parseControlRequest(Op.SessionStart, first.payload);
    if (!parsed.ok) return fail();
    const token = parsed.body['token'];
    let verified: VerifiedToken | null;
    if (conn.queryToken) {
      if (token !== undefined && token !== conn.queryToken.raw) return fail();
      verified = conn.queryToken.verified;
    } else {
      if (typeof token !== 'string') return fail();
      verified = this.#verify(token);
    }
    if (!verified) return fail();
    conn.link.countIn(buf.length, 1, this.clock.now());
    conn.starting = true;
    void this.starter.start(conn.link, verified, parsed.cid, parsed.body).then((session) => {
      conn.starting = false;
      if (!session) return;
      if (conn.link.closed) {
        this.registry.end(session, SessionEndReason.DISCONNECTED);
        return;
      }
      conn.session = session;
      const early = conn.early.splice(0);
      for (const frame of early) this.#dispatch(conn, session, toBuffer(frame));
    });
  }

  #verify(token: string): VerifiedToken | null {
    if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    return this.verifier.verifyForWebSocket(Buffer.from(token, 'base64url'), this.clock.now());
  }

  #onClose(conn: WsConn): void {
    this.#conns.delete(conn);
    if (conn.session) this.registry.end(conn.session, SessionEndReason.DISCONNECTED);
  }

  readonly #onSweep = (): void => {
    const now = this.clock.now();
    const { authTimeoutMs, pingMs } = this.options.ws;
    for (const conn of this.#conns) {
      const { link } = conn;
      if (link.closed) continue;
      if (!conn.session && !conn.starting) {
        if (now - conn.openedAt >= authTimeoutMs) link.closeWithCode(4408);
        continue;
      }
      if (now - link.lastReceivedAt >= this.options.idleTimeoutMs) {
        link.closeWithCode(1001);
        continue;
      }
      if (now - link.pingSentAt >= pingMs) {
        link.pingSentAt = now;
        link.ping();
      }
    }
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

function refuse(socket: Duplex, status: number, text: string, body = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
