import { describe, expect, it } from '@jest/globals';
import {
  DeliveryClass,
  RoomDataC2S,
  RoomDataS2C,
  RoomDataStatus,
  decodeRoomDataC2S,
  decodeRoomDataS2C,
  encodeRoomDataC2SMessage,
  encodeRoomDataS2CMessage,
  relayRoomData,
  roomDataStatusError,
} from './room-data.codec.js';
import { decodeSingleMessage } from './message.codec.js';

function c2sPayload(ref: number, gameOp: number, cls: DeliveryClass, data: Buffer, targets: number[] = []): Buffer {
  return decodeSingleMessage(encodeRoomDataC2SMessage(ref, gameOp, cls, data, targets)).payload;
}

describe('RoomData codecs (§2.5)', () => {
  it('decodes a C→S payload with targets, without copying data', () => {
    const payload = c2sPayload(0x1234, 0xbeef, DeliveryClass.US, Buffer.from('hello'), [1, 0xffffffff]);
    expect(payload.subarray(0, 6).toString('hex')).toBe('3412efbe0202');
    const rd = new RoomDataC2S();
    expect(decodeRoomDataC2S(payload, rd)).toBe(RoomDataStatus.OK);
    expect([rd.ref, rd.gameOp, rd.flags, rd.deliveryClass, rd.targetCount]).toEqual([0x1234, 0xbeef, 2, 2, 2]);
    expect([rd.targetAt(0), rd.targetAt(1)]).toEqual([1, 0xffffffff]);
    expect(rd.data.toString()).toBe('hello');
    expect(rd.data.buffer).toBe(payload.buffer);
    payload[payload.length - 1] = 0x21;
    expect(rd.data.toString()).toBe('hell!');
  });

  it('reports short headers and short target lists', () => {
    const rd = new RoomDataC2S();
    for (let n = 0; n < 6; n++) expect(decodeRoomDataC2S(Buffer.alloc(n), rd)).toBe(RoomDataStatus.SHORT);
    const p = Buffer.from([1, 0, 2, 0, 0, 3, 1, 0, 0, 0, 2, 0, 0, 0]);
    expect(decodeRoomDataC2S(p, rd)).toBe(RoomDataStatus.SHORT);
    expect(roomDataStatusError(RoomDataStatus.SHORT)).toBe('BAD_REQUEST');
  });

  it('reports reserved flag bits 2–7', () => {
    const rd = new RoomDataC2S();
    for (let bit = 2; bit < 8; bit++) {
      expect(decodeRoomDataC2S(Buffer.from([1, 0, 0, 0, 1 << bit, 0]), rd)).toBe(RoomDataStatus.RESERVED_BITS);
    }
    expect(roomDataStatusError(RoomDataStatus.RESERVED_BITS)).toBe('BAD_REQUEST');
  });

  it('accepts 32 targets and reports 33', () => {
    const rd = new RoomDataC2S();
    const ok = Buffer.alloc(6 + 32 * 4);
    ok[5] = 32;
    expect(decodeRoomDataC2S(ok, rd)).toBe(RoomDataStatus.OK);
    const bad = Buffer.alloc(6 + 33 * 4);
    bad[5] = 33;
    expect(decodeRoomDataC2S(bad, rd)).toBe(RoomDataStatus.TOO_MANY_TARGETS);
    expect(() => encodeRoomDataC2SMessage(1, 1, DeliveryClass.RO, Buffer.alloc(0), new Array<number>(33).fill(1))).toThrow(RangeError);
  });

  it('KT-15 codec part: US/U data above 1,087 B and RO/RU above 16,384 B → TOO_LARGE', () => {
    const rd = new RoomDataC2S();
    const mk = (flags: number, n: number): Buffer => Buffer.concat([Buffer.from([1, 0, 0, 0, flags, 0]), Buffer.alloc(n)]);
    expect(decodeRoomDataC2S(mk(DeliveryClass.US, 1_087), rd)).toBe(RoomDataStatus.OK);
    expect(decodeRoomDataC2S(mk(DeliveryClass.US, 1_088), rd)).toBe(RoomDataStatus.TOO_LARGE);
    expect(decodeRoomDataC2S(mk(DeliveryClass.U, 1_088), rd)).toBe(RoomDataStatus.TOO_LARGE);
    expect(decodeRoomDataC2S(mk(DeliveryClass.RU, 16_384), rd)).toBe(RoomDataStatus.OK);
    expect(decodeRoomDataC2S(mk(DeliveryClass.RO, 16_385), rd)).toBe(RoomDataStatus.TOO_LARGE);
    expect(roomDataStatusError(RoomDataStatus.TOO_LARGE)).toBe('TOO_LARGE');
    expect(roomDataStatusError(RoomDataStatus.OK)).toBeNull();
    expect(() => encodeRoomDataC2SMessage(1, 1, DeliveryClass.U, Buffer.alloc(1_088))).toThrow(RangeError);
    expect(encodeRoomDataS2CMessage(1, 1, DeliveryClass.U, 1, Buffer.alloc(1_087)).length).toBe(1_100);
  });

  it('KT-12 codec part: relay copies game_op, flags and data, sets recipient ref and sender', () => {
    const rd = new RoomDataC2S();
    decodeRoomDataC2S(c2sPayload(7, 0x0102, DeliveryClass.RU, Buffer.from([9, 8, 7]), [5]), rd);
    const msg = decodeSingleMessage(relayRoomData(rd, 0x0300, 0x11223344));
    expect(msg.op).toBe(0x13);
    expect(msg.payload.toString('hex')).toBe('0003020101004433221109' + '0807');
    const out = new RoomDataS2C();
    expect(decodeRoomDataS2C(msg.payload, out)).toBe(RoomDataStatus.OK);
    expect([out.ref, out.gameOp, out.flags, out.sender]).toEqual([0x0300, 0x0102, 1, 0x11223344]);
    expect(out.data.equals(Buffer.from([9, 8, 7]))).toBe(true);
  });

  it('validates S→C payloads on the client', () => {
    const out = new RoomDataS2C();
    expect(decodeRoomDataS2C(Buffer.alloc(9), out)).toBe(RoomDataStatus.SHORT);
    const p = Buffer.alloc(10);
    p[5] = 1;
    expect(decodeRoomDataS2C(p, out)).toBe(RoomDataStatus.RESERVED_BYTE);
    p[5] = 0;
    p[4] = 0x80;
    expect(decodeRoomDataS2C(p, out)).toBe(RoomDataStatus.RESERVED_BITS);
    p[4] = DeliveryClass.U;
    expect(decodeRoomDataS2C(Buffer.concat([p, Buffer.alloc(1_088)]), out)).toBe(RoomDataStatus.TOO_LARGE);
    expect(decodeRoomDataS2C(p, out)).toBe(RoomDataStatus.OK);
    expect(out.data.length).toBe(0);
  });
});
