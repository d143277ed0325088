import { Buffer } from 'node:buffer';
import { ErrorCode, type Clock } from '@kaosnet/common';
import { parseControlRequest, encodeControlReply } from '../codec/control-payload.codec.js';
import { HeartbeatKind, encodeHeartbeatReplyMessage, heartbeatKind } from '../codec/heartbeat.codec.js';
import { OP_TABLE, Op, OpKind } from '../codec/op-code.table.js';
import { KaosSession, SessionEndReason } from '../session/kaos-session.js';
import { Lane } from '../session/session-link.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { TransportOptions } from '../transport.options.js';
import { codeError, errorMessageFor, type InternalErrorLogger } from './send-error.js';

/**
 * A control-op handler (the control lane: JSON body in, JSON body out). Resolved once per op at
 * start-up from Nest `@MessagePattern(op)` methods (see nest/kaostalk.server.ts) or registered
 * directly. Throw a KaosError to answer with an Error op.
 */
export type ControlHandler = (body: Record<string, unknown>, session: KaosSession, op: number, cid: string) => Promise<Record<string, unknown> | void>;

/**
 * A realtime-lane handler (RoomData, hot application ops): called synchronously with a zero-copy
 * payload view; never enters the Nest pipeline. `channel` is the RUDP channel (-1 on WebSocket).
 */
export type RawOpHandler = (session: KaosSession, payload: Buffer, channel: number, op: number) => void;

/** Counters exposed to admin status and benchmarks. */
export interface DispatchStats {
  messages: number;
  controlRequests: number;
  errorsSent: number;
  dropped: number;
  rateLimited: number;
}

/**
 * Routes every inbound KaosTalk message of an ACTIVE session. The table is a 256-entry array built
 * at start-up, so routing a message costs one indexed load; per-message work is bounds checks, the
 * session's rate limits, and the handler.
 */
export class KaosTalkDispatcher {
  readonly #control: (ControlHandler | undefined)[] = new Array(256).fill(undefined);
  readonly #raw: (RawOpHandler | undefined)[] = new Array(256).fill(undefined);
  readonly stats: DispatchStats = { messages: 0, controlRequests: 0, errorsSent: 0, dropped: 0, rateLimited: 0 };

  constructor(
    private readonly registry: SessionRegistry,
    private readonly options: TransportOptions,
    private readonly clock: Clock,
    private readonly logInternal: InternalErrorLogger,
  ) {}

  /** Registers the handler of a control op (0x10–0x31) or an application op (JSON-free ops use setRawHandler). */
  setControlHandler(op: number, handler: ControlHandler): void {
    const kind = OP_TABLE[op & 0xff]!.kind;
    if (kind !== OpKind.CONTROL && kind !== OpKind.APPLICATION) throw new Error(`op 0x${op.toString(16)} cannot have a control handler`);
    if (op === Op.SessionStart || op === Op.SessionEnd) throw new Error('SessionStart/SessionEnd are handled by the transport');
    this.#control[op] = handler;
  }

  /** Registers a realtime handler: RoomData (0x13) or an application op (0x80–0xFE). */
  setRawHandler(op: number, handler: RawOpHandler): void {
    const kind = OP_TABLE[op & 0xff]!.kind;
    if (kind !== OpKind.ROOM_DATA && kind !== OpKind.APPLICATION) throw new Error(`op 0x${op.toString(16)} cannot have a raw handler`);
    this.#raw[op] = handler;
  }

  hasHandler(op: number): boolean {
    return this.#control[op] !== undefined || this.#raw[op] !== undefined;
  }

  /**
   * One inbound message of an active session. `channel` is the RUDP channel the message came on,
   * or -1 on WebSocket (which has no channels).
   */
  handle(session: KaosSession, op: number, payload: Buffer, channel: number): void {
    this.stats.messages++;
    const now = this.clock.now();
    session.lastSeenAt = now;
    const info = OP_TABLE[op]!;
    const isControl = info.kind === OpKind.CONTROL;

    if (!session.messageBucket.take(now) || !session.byteBucket.take(now, payload.length + 3)) {
      this.#limited(session, op, payload, isControl, now, session.messageBucket.retryAfterMs(now));
      return;
    }

    switch (info.kind) {
      case OpKind.HEARTBEAT:
        return this.#heartbeat(session, payload, channel, now);
      case OpKind.ROOM_DATA: {
        const h = this.#raw[Op.RoomData];
        if (h) h(session, payload, channel, op);
        else this.stats.dropped++;
        session.limitedSince = 0;
        return;
      }
      case OpKind.APPLICATION: {
        session.limitedSince = 0;
        const raw = this.#raw[op];
        if (raw) return raw(session, payload, channel, op);
        if (this.#control[op]) return void this.#applicationViaControl(session, op, payload);
        return this.error(session, ErrorCode.UNKNOWN_OP, `no handler for op 0x${op.toString(16)}`, op);
      }
      case OpKind.CONTROL:
        return this.#controlOp(session, op, payload, channel, now);
      default:
        return this.error(session, ErrorCode.UNKNOWN_OP, `op 0x${op.toString(16)} is reserved or unassigned`, op);
    }
  }

  /** Sends an Error and counts it; past `maxErrors` in the window the session is ended (§7.1). */
  error(session: KaosSession, code: ErrorCode, message: string, op: number, cid?: string, retryAfterMs?: number): void {
    this.sendErrorMessage(session, codeError(code, message, op, cid, retryAfterMs));
  }

  sendErrorMessage(session: KaosSession, message: Buffer): void {
    this.stats.errorsSent++;
    session.send(message, Lane.CONTROL);
    const now = this.clock.now();
    const times = session.errorTimes;
    times.push(now);
    while (times.length && now - times[0]! > this.options.errorWindowMs) times.shift();
    if (times.length > this.options.maxErrors) this.registry.end(session, SessionEndReason.PROTOCOL_ERROR);
  }

  #heartbeat(session: KaosSession, payload: Buffer, channel: number, now: number): void {
    if (channel > 0) return this.error(session, ErrorCode.BAD_REQUEST, 'Heartbeat must travel on channel 0', Op.Heartbeat);
    session.limitedSince = 0;
    const kind = heartbeatKind(payload);
    if (kind === HeartbeatKind.KEEPALIVE) return;
    if (kind === HeartbeatKind.REQUEST) return session.send(encodeHeartbeatReplyMessage(payload, now), Lane.CONTROL);
    this.error(session, ErrorCode.BAD_REQUEST, 'Heartbeat payload must be 0 or 8 bytes', Op.Heartbeat);
  }

  #controlOp(session: KaosSession, op: number, payload: Buffer, channel: number, now: number): void {
    this.stats.controlRequests++;
    const info = OP_TABLE[op]!;
    if (!info.c2s) {
      const parsed = parseControlRequest(op, payload);
      return this.error(session, ErrorCode.BAD_REQUEST, `op 0x${op.toString(16)} is server-to-client only`, op, parsed.cid);
    }
    const parsed = parseControlRequest(op, payload);
    if (!parsed.ok) return this.error(session, parsed.code, parsed.reason, op, parsed.cid);
    if (channel > 0) return this.error(session, ErrorCode.BAD_REQUEST, 'control ops must travel on channel 0', op, parsed.cid);
    const bucket = op === Op.Rpc ? session.rpcBucket : session.controlBucket;
    if (!bucket.take(now)) {
      this.stats.rateLimited++;
      this.#trackLimited(session, now);
      return this.error(session, ErrorCode.RATE_LIMITED, 'control op rate limit', op, parsed.cid, bucket.retryAfterMs(now));
    }
    session.limitedSince = 0;
    if (op === Op.SessionStart) return this.error(session, ErrorCode.CONFLICT, 'session already started', op, parsed.cid);
    if (op === Op.SessionEnd) return this.#sessionEnd(session, parsed.cid);
    const handler = this.#control[op];
    if (!handler) return this.error(session, ErrorCode.UNKNOWN_OP, `no handler for ${info.name}`, op, parsed.cid);
    void this.#invoke(session, handler, parsed.body, op, parsed.cid, info.replyOp);
  }

  async #invoke(session: KaosSession, handler: ControlHandler, body: Record<string, unknown>, op: number, cid: string, replyOp: number): Promise<void> {
    try {
      const result = await handler(body, session, op, cid);
      session.send(encodeControlReply(replyOp > 0 ? replyOp : op, cid, result ?? {}), Lane.CONTROL);
    } catch (error) {
      this.sendErrorMessage(session, errorMessageFor(error, op, cid, this.logInternal));
    }
  }

  /** Application op routed to a Nest handler: opaque payload in, optional Buffer reply with the same op. */
  async #applicationViaControl(session: KaosSession, op: number, payload: Buffer): Promise<void> {
    try {
      const result = await (this.#control[op] as unknown as (p: Buffer, s: KaosSession, op: number) => Promise<unknown>)(payload, session, op);
      if (result instanceof Uint8Array) {
        const out = Buffer.allocUnsafe(3 + result.length);
        out[0] = op;
        out.writeUInt16LE(result.length, 1);
        out.set(result, 3);
        session.send(out, Lane.RO);
      }
    } catch (error) {
      this.sendErrorMessage(session, errorMessageFor(error, op, undefined, this.logInternal));
    }
  }

  #sessionEnd(session: KaosSession, cid: string): void {
    session.send(encodeControlReply(Op.SessionEnd, cid, { reason: SessionEndReason.CLIENT }), Lane.CONTROL);
    this.registry.end(session, SessionEndReason.CLIENT);
  }

  #limited(session: KaosSession, op: number, payload: Buffer, isControl: boolean, now: number, retryAfterMs: number): void {
    this.stats.rateLimited++;
    this.#trackLimited(session, now);
    if (session.state !== 'active') return;
    if (isControl) {
      const parsed = parseControlRequest(op, payload);
      this.error(session, ErrorCode.RATE_LIMITED, 'message rate limit', op, parsed.cid, Math.max(1, retryAfterMs));
    } else {
      session.droppedMessages++;
      this.stats.dropped++;
    }
  }

  #trackLimited(session: KaosSession, now: number): void {
    if (session.limitedSince === 0) session.limitedSince = now;
    else if (now - session.limitedSince >= this.options.rateLimitedCloseMs) this.registry.end(session, SessionEndReason.RATE_LIMITED);
  }
}

