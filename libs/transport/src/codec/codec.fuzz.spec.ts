import { describe, expect, it } from '@jest/globals';
import { decodeMessages, encodeMessages } from './message.codec.js';
import { ProtocolError } from './protocol-error.js';
import { RoomDataC2S, RoomDataS2C, RoomDataStatus, decodeRoomDataC2S, decodeRoomDataS2C, encodeRoomDataC2SMessage } from './room-data.codec.js';
import { parseControlRequest } from './control-payload.codec.js';
import { decodeErrorPayload } from './error-payload.codec.js';
import { heartbeatKind } from './heartbeat.codec.js';

/** mulberry32, seeded: the run is the same every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(next: () => number, max: number): Buffer {
  const out = Buffer.allocUnsafe(Math.floor(next() * max));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function mutate(next: () => number, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = Math.floor(next() * out.length);
    const kind = Math.floor(next() * 3);
    if (kind === 0) out[at] = out[at]! ^ (1 << Math.floor(next() * 8));
    else if (kind === 1) out[at] = Math.floor(next() * 256);
    else return out.subarray(0, at);
  }
  return out;
}

describe('codec fuzz (seeded)', () => {
  it('decodeMessages throws only ProtocolError and never returns part of a bad buffer', () => {
    const next = prng(0xc0dec);
    const valid = encodeMessages([
      { op: 0x01, payload: Buffer.from('{"cid":"a","v":1}') },
      { op: 0x13, payload: Buffer.from([1, 0, 2, 0, 3, 1, 5, 0, 0, 0, 9, 9]) },
      { op: 0x03, payload: Buffer.alloc(8) },
    ]);
    let ok = 0;
    let rejected = 0;
    for (let i = 0; i < 4_000; i++) {
      const input = i % 2 === 0 ? randomBytes(next, 300) : mutate(next, valid);
      try {
        const msgs = decodeMessages(input, 64);
        const total = msgs.reduce((n, m) => n + 3 + m.payload.length, 0);
        expect(total).toBe(input.length);
        ok++;
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        rejected++;
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it('RoomData, control, Error and Heartbeat decoders never throw on random or mutated payloads', () => {
    const next = prng(0x500d);
    const c2s = new RoomDataC2S();
    const s2c = new RoomDataS2C();
    const valid = encodeRoomDataC2SMessage(3, 4, 2, Buffer.alloc(40, 7), [1, 2, 3]).subarray(3);
    const control = Buffer.from('{"cid":"fz","roomId":"r","metadata":{"a":[1,2,{"b":null}]}}');
    let okRoomData = 0;
    for (let i = 0; i < 4_000; i++) {
      const pick = i % 3;
      const input = pick === 0 ? randomBytes(next, 200) : mutate(next, pick === 1 ? valid : control);
      const status = decodeRoomDataC2S(input, c2s);
      if (status === RoomDataStatus.OK) {
        okRoomData++;
        expect(6 + 4 * c2s.targetCount + c2s.data.length).toBe(input.length);
        for (let t = 0; t < c2s.targetCount; t++) c2s.targetAt(t);
      }
      decodeRoomDataS2C(input, s2c);
      const parsed = parseControlRequest(0x11, input);
      if (!parsed.ok) expect(['BAD_REQUEST', 'TOO_LARGE']).toContain(parsed.code);
      decodeErrorPayload(input);
      heartbeatKind(input);
    }
    expect(okRoomData).toBeGreaterThan(0);
  });
});
