import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import {
  DeliveryClass,
  Lane,
  Op,
  RoomDataS2C,
  clientAcceptsOp,
  decodeErrorPayload,
  decodeHeartbeatReply,
  decodeRoomDataS2C,
  encodeControlRequest,
  encodeHeartbeatMessage,
  encodeMessage,
  encodeRoomDataC2SMessage,
  RoomDataStatus,
} from '@kaosnet/transport';
import { KaosApiError, KaosTimeoutError } from './client-errors.js';
import type { SocketTransport, TransportClose } from './socket-transport.js';

export interface RoomDataEvent {
  ref: number;
  gameOp: number;
  flags: number;
  sender: number;
  /** Copied out of the receive buffer: safe to keep. */
  data: Buffer;
}

export interface KaosSocketEvents {
  /** RoomState snapshot or delta events (no cid). */
  roomState: [Record<string, unknown>];
  roomLeave: [Record<string, unknown>];
  roomData: [RoomDataEvent];
  roomList: [Record<string, unknown>];
  matchmakerMatched: [Record<string, unknown>];
  /** Application ops 0x80-0xFE sent by the server. */
  appMessage: [number, Buffer];
  /** Error ops that answer no pending request (e.g. RoomData errors). */
  error: [KaosApiError];
  /** Unsolicited SessionEnd: kicked, shutdown, replaced, overflow, … */
  sessionEnd: [string];
  close: [TransportClose];
  /** Heartbeat reply: the client time it echoes and the server time. */
  heartbeat: [number, number];
}

export interface SessionAck {
  sessionId: string;
  userId: string;
  serverTimeMs: number;
  idleTimeoutMs: number;
  maxPayload: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

interface Pending {
  resolve: (body: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DELIVERY_LANE: Record<number, Lane> = { 0: Lane.RO, 1: Lane.RU, 2: Lane.US, 3: Lane.U };

/**
 * A KaosTalk session as a game client sees it: requests matched to replies by `cid` (promises with
 * timeouts), typed events, rooms and RoomData helpers. Works on any SocketTransport (UDP or WS).
 *
 * @example
 * const socket = await client.connect(auth, { transport: 'udp' });
 * const room = await socket.createRoom({ label: 'lobby' });
 * socket.on('roomData', (m) => console.log(m.sender, m.data));
 * socket.sendRoomData(room.ref as number, 1, Buffer.from('hi'));
 */
export class KaosSocket extends EventEmitter<KaosSocketEvents> {
  readonly #pending = new Map<string, Pending>();
  #nextCid = 1;
  #closed = false;
  ack?: SessionAck;
  defaultTimeoutMs = 5000;
  readonly #roomData = new RoomDataS2C();

  constructor(readonly transport: SocketTransport) {
    super();
    transport.onMessage = (op, payload, channel) => this.#onMessage(op, payload, channel);
    transport.onClose = (info) => this.#onClose(info);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** SessionStart (§2.4). On WS `token` is required; on RUDP the handshake already carried it. */
  async start(token?: string, extra: { client?: string; lang?: string } = {}): Promise<SessionAck> {
    const body = await this.request(Op.SessionStart, { v: 1, ...(token ? { token } : {}), ...extra });
    this.ack = body as unknown as SessionAck;
    return this.ack;
  }

  /** Sends a control request and resolves with the reply body (rejects with KaosApiError on an Error op). */
  request(op: number, body: Record<string, unknown>, options: RequestOptions = {}): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new Error('socket is closed'));
    const cid = `c${this.#nextCid++}`;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cid);
        reject(new KaosTimeoutError(`request op 0x${op.toString(16)}`, timeoutMs));
      }, timeoutMs);
      this.#pending.set(cid, { resolve, reject, timer });
      this.transport.send(encodeControlRequest(op, cid, body), Lane.CONTROL);
    });
  }

  rpc(id: string, payload?: string, options?: RequestOptions): Promise<string | undefined> {
    return this.request(Op.Rpc, { id, ...(payload !== undefined ? { payload } : {}) }, options).then((r) => r['payload'] as string | undefined);
  }

  createRoom(opts: { label?: string; maxPlayers?: number; module?: string; params?: Record<string, unknown> } = {}): Promise<Record<string, unknown>> {
    return this.request(Op.RoomCreate, opts);
  }

  joinRoom(roomId: string, metadata?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request(Op.RoomJoin, { roomId, ...(metadata ? { metadata } : {}) });
  }

  leaveRoom(ref: number): Promise<Record<string, unknown>> {
    return this.request(Op.RoomLeave, { ref });
  }

  listRooms(q: { limit?: number; cursor?: string; label?: string } = {}): Promise<Record<string, unknown>> {
    return this.request(Op.RoomList, q);
  }

  /** RoomData (§2.5) on the channel of its delivery class. Throws RangeError when too large for the class. */
  sendRoomData(ref: number, gameOp: number, data: Uint8Array, opts: { delivery?: DeliveryClass; targets?: number[] } = {}): void {
    const delivery = opts.delivery ?? DeliveryClass.RO;
    this.transport.send(encodeRoomDataC2SMessage(ref, gameOp, delivery, data, opts.targets ?? []), DELIVERY_LANE[delivery]!);
  }

  /** An application op (0x80-0xFE) with an opaque payload. */
  sendApp(op: number, payload: Uint8Array, lane: Lane = Lane.RO): void {
    this.transport.send(encodeMessage(op, payload), lane);
  }

  /** Heartbeat with the client clock; resolves with the round-trip time in ms. */
  ping(timeoutMs = this.defaultTimeoutMs): Promise<number> {
    const sentAt = Date.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('heartbeat', onBeat);
        reject(new KaosTimeoutError('heartbeat', timeoutMs));
      }, timeoutMs);
      // A pending ping must not keep a closing process alive.
      timer.unref();
      const onBeat = (t: number) => {
        if (t !== sentAt) return;
        clearTimeout(timer);
        this.off('heartbeat', onBeat);
        resolve(Date.now() - sentAt);
      };
      this.on('heartbeat', onBeat);
      this.transport.send(encodeHeartbeatMessage(sentAt), Lane.CONTROL);
    });
  }

  /** Graceful end (§3.9): SessionEnd, wait for the server's reply, then the transport closes. */
  async disconnect(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    try {
      await this.request(Op.SessionEnd, {}, { timeoutMs });
    } catch {
      // The transport is closed below either way.
    }
    this.close();
  }

  /** Abrupt close of the transport. */
  close(): void {
    if (this.#closed) return;
    this.transport.close();
    this.#onClose({ code: 1000, reason: 'closed by client' });
  }

  #onMessage(op: number, payload: Buffer, channel: number): void {
    if (!clientAcceptsOp(op)) return; // unknown or C→S-only ops are ignored (§2.2, §10.17)
    switch (op) {
      case Op.RoomData: {
        if (decodeRoomDataS2C(payload, this.#roomData) !== RoomDataStatus.OK) return;
        const d = this.#roomData;
        this.emit('roomData', { ref: d.ref, gameOp: d.gameOp, flags: d.flags, sender: d.sender, data: this.transport.ownsPayloads ? d.data : Buffer.from(d.data) });
        return;
      }
      case Op.Heartbeat: {
        const reply = decodeHeartbeatReply(payload);
        if (reply) this.emit('heartbeat', reply.clientTimeMs, reply.serverTimeMs);
        return;
      }
      case Op.Error: {
        const err = decodeErrorPayload(payload);
        if (!err) return;
        const error = new KaosApiError(err.code, err.message, undefined, err.retryAfterMs, err.op);
        if (err.cid !== undefined && this.#settle(err.cid, undefined, error)) return;
        this.emit('error', error);
        return;
      }
      default:
        break;
    }
    if (op >= 0x80 && op <= 0xfe) {
      this.emit('appMessage', op, this.transport.ownsPayloads ? payload : Buffer.from(payload));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const cid = typeof body['cid'] === 'string' ? (body['cid'] as string) : undefined;
    if (cid !== undefined && this.#settle(cid, body)) return;
    void channel;
    switch (op) {
      case Op.SessionEnd:
        this.emit('sessionEnd', String(body['reason'] ?? ''));
        return;
      case Op.RoomState:
        this.emit('roomState', body);
        return;
      case Op.RoomLeave:
        this.emit('roomLeave', body);
        return;
      case Op.RoomList:
        this.emit('roomList', body);
        return;
      case Op.MatchmakerMatched:
        this.emit('matchmakerMatched', body);
        return;
    }
  }

  #settle(cid: string, body?: Record<string, unknown>, error?: Error): boolean {
    const p = this.#pending.get(cid);
    if (!p) return false;
    this.#pending.delete(cid);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(body!);
    return true;
  }

  #onClose(info: TransportClose): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [cid, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`socket closed (${info.code}) before reply to ${cid}`));
    }
    this.#pending.clear();
    this.emit('close', info);
  }
}
