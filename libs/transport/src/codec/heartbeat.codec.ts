/**
 * Heartbeat op 0x03 (spec §2.4): binary, 0 B (keep-alive, no reply), 8 B `t` u64 (client clock,
 * request) or 16 B `t` echoed ‖ `server_time` u64 (reply). Other lengths → BAD_REQUEST (KT-10).
 */
import { Buffer } from 'node:buffer';
import { encodeMessage } from './message.codec.js';
import { Op } from './op-code.table.js';

export const HEARTBEAT_KEEPALIVE_SIZE = 0;
export const HEARTBEAT_REQUEST_SIZE = 8;
export const HEARTBEAT_REPLY_SIZE = 16;

export const HeartbeatKind = {
  KEEPALIVE: 'keepalive',
  REQUEST: 'request',
  REPLY: 'reply',
  INVALID: 'invalid',
} as const;
export type HeartbeatKind = (typeof HeartbeatKind)[keyof typeof HeartbeatKind];

/** Classifies a Heartbeat payload by its length. A server treats REPLY from a client as BAD_REQUEST. */
export function heartbeatKind(payload: Buffer): HeartbeatKind {
  switch (payload.length) {
    case HEARTBEAT_KEEPALIVE_SIZE:
      return HeartbeatKind.KEEPALIVE;
    case HEARTBEAT_REQUEST_SIZE:
      return HeartbeatKind.REQUEST;
    case HEARTBEAT_REPLY_SIZE:
      return HeartbeatKind.REPLY;
    default:
      return HeartbeatKind.INVALID;
  }
}

function writeU64(target: Buffer, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`u64 time must be a non-negative safe integer, got ${value}`);
  }
  target.writeUInt32LE(value % 0x1_0000_0000, offset);
  target.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4);
}

/** Reads a u64 LE as a number (exact up to 2^53; times in ms are far below). */
export function readU64AsNumber(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

/** 8-B request payload carrying the client clock `t`. */
export function encodeHeartbeatRequest(clientTimeMs: number): Buffer {
  const payload = Buffer.allocUnsafe(HEARTBEAT_REQUEST_SIZE);
  writeU64(payload, 0, clientTimeMs);
  return payload;
}

/**
 * Serialized 16-B reply message to an 8-B request: the request's 8 bytes copied as they are
 * (whatever the client's clock encoding), then `server_time`.
 *
 * @example
 * encodeHeartbeatReplyMessage(request, Date.now()); // 03 10 00 <t 8 B> <server_time 8 B>
 */
export function encodeHeartbeatReplyMessage(request: Buffer, serverTimeMs: number): Buffer {
  if (request.length !== HEARTBEAT_REQUEST_SIZE) {
    throw new RangeError('a Heartbeat reply answers an 8-byte request');
  }
  const out = Buffer.allocUnsafe(3 + HEARTBEAT_REPLY_SIZE);
  out[0] = Op.Heartbeat;
  out[1] = HEARTBEAT_REPLY_SIZE;
  out[2] = 0;
  request.copy(out, 3);
  writeU64(out, 3 + HEARTBEAT_REQUEST_SIZE, serverTimeMs);
  return out;
}

/** Serialized request (8 B) or keep-alive (0 B) Heartbeat message, client side. */
export function encodeHeartbeatMessage(clientTimeMs?: number): Buffer {
  return encodeMessage(Op.Heartbeat, clientTimeMs === undefined ? Buffer.alloc(0) : encodeHeartbeatRequest(clientTimeMs));
}

export interface HeartbeatReply {
  readonly clientTimeMs: number;
  readonly serverTimeMs: number;
}

/** Reads a 16-B reply (client side); null for any other length. */
export function decodeHeartbeatReply(payload: Buffer): HeartbeatReply | null {
  if (payload.length !== HEARTBEAT_REPLY_SIZE) {
    return null;
  }
  return { clientTimeMs: readU64AsNumber(payload, 0), serverTimeMs: readU64AsNumber(payload, 8) };
}
