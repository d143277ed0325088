import { describe, expect, it } from '@jest/globals';
import {
  HeartbeatKind,
  decodeHeartbeatReply,
  encodeHeartbeatMessage,
  encodeHeartbeatReplyMessage,
  encodeHeartbeatRequest,
  heartbeatKind,
} from './heartbeat.codec.js';
import { decodeSingleMessage } from './message.codec.js';

describe('Heartbeat (§2.4)', () => {
  it('classifies 0 / 8 / 16 B and everything else as invalid', () => {
    expect(heartbeatKind(Buffer.alloc(0))).toBe(HeartbeatKind.KEEPALIVE);
    expect(heartbeatKind(Buffer.alloc(8))).toBe(HeartbeatKind.REQUEST);
    expect(heartbeatKind(Buffer.alloc(16))).toBe(HeartbeatKind.REPLY);
    for (const n of [1, 7, 9, 15, 17, 64]) expect(heartbeatKind(Buffer.alloc(n))).toBe(HeartbeatKind.INVALID);
  });

  it('echoes the request bytes unchanged and appends server_time (KT-10 at codec level)', () => {
    const request = Buffer.from('ffeeddccbbaa9988', 'hex');
    const reply = decodeSingleMessage(encodeHeartbeatReplyMessage(request, 1_767_225_600_123));
    expect(reply.op).toBe(0x03);
    expect(reply.payload.length).toBe(16);
    expect(reply.payload.subarray(0, 8).equals(request)).toBe(true);
    expect(decodeHeartbeatReply(reply.payload)!.serverTimeMs).toBe(1_767_225_600_123);
    expect(() => encodeHeartbeatReplyMessage(Buffer.alloc(7), 1)).toThrow(RangeError);
  });

  it('round-trips client time', () => {
    const t = 2 ** 40 + 5;
    const msg = decodeSingleMessage(encodeHeartbeatMessage(t));
    expect(msg.payload.equals(encodeHeartbeatRequest(t))).toBe(true);
    expect(msg.payload.readBigUInt64LE(0)).toBe(BigInt(t));
    expect(decodeSingleMessage(encodeHeartbeatMessage()).payload.length).toBe(0);
    expect(decodeHeartbeatReply(Buffer.alloc(8))).toBeNull();
    expect(() => encodeHeartbeatRequest(-1)).toThrow(RangeError);
  });
});
