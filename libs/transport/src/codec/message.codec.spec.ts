import { describe, expect, it } from '@jest/globals';
import {
  countMessages,
  decodeMessages,
  decodeSingleMessage,
  encodeMessage,
  encodeMessages,
  messageEnd,
  writeMessage,
} from './message.codec.js';
import { ProtocolError, ProtocolErrorCode, CloseReason } from './protocol-error.js';
import { MAX_KT_PAYLOAD } from './kaostalk.constants.js';

function expectProtocolError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
  expect((caught as ProtocolError).closeCode).toBe(CloseReason.PROTOCOL_ERROR);
}

describe('KaosTalk message framing (§2.1)', () => {
  it('KT-1 encodes op, len u16 LE and exactly len payload bytes; never op 0x00', () => {
    const payload = Buffer.alloc(0x0123, 7);
    const msg = encodeMessage(0x20, payload);
    expect(msg.length).toBe(3 + 0x0123);
    expect(msg[0]).toBe(0x20);
    expect(msg[1]).toBe(0x23);
    expect(msg[2]).toBe(0x01);
    expect(msg.subarray(3).equals(payload)).toBe(true);
    expect(() => encodeMessage(0x00, payload)).toThrow(RangeError);
    expect(() => encodeMessage(0x100, payload)).toThrow(RangeError);
    expect(() => encodeMessage(0x20, Buffer.alloc(MAX_KT_PAYLOAD + 1))).toThrow(RangeError);
    expect(encodeMessage(0x20, Buffer.alloc(MAX_KT_PAYLOAD)).length).toBe(65_538);
  });

  it('decodes several messages per buffer in order', () => {
    const buf = encodeMessages([
      { op: 0x03, payload: Buffer.alloc(0) },
      { op: 0x13, payload: Buffer.from('abc') },
      { op: 0x80, payload: Buffer.alloc(300, 1) },
    ]);
    const msgs = decodeMessages(buf);
    expect(msgs.map((m) => m.op)).toEqual([0x03, 0x13, 0x80]);
    expect(msgs.map((m) => m.payload.length)).toEqual([0, 3, 300]);
    expect(msgs[1]!.payload.toString()).toBe('abc');
  });

  it('hands out views, not copies', () => {
    const buf = encodeMessage(0x80, Buffer.from('xyz'));
    const [m] = decodeMessages(buf);
    buf[3] = 0x41;
    expect(m!.payload.toString()).toBe('Ayz');
    expect(m!.payload.buffer).toBe(buf.buffer);
  });

  it('rejects a buffer ending inside a header, with no message returned', () => {
    const good = encodeMessage(0x03, Buffer.alloc(0));
    for (const tail of [Buffer.from([0x03]), Buffer.from([0x03, 0x00])]) {
      expectProtocolError(() => decodeMessages(Buffer.concat([good, tail])), ProtocolErrorCode.TRUNCATED);
    }
  });

  it('rejects a buffer ending inside a payload', () => {
    const msg = encodeMessage(0x80, Buffer.alloc(10));
    expectProtocolError(() => decodeMessages(msg.subarray(0, 12)), ProtocolErrorCode.TRUNCATED);
    expectProtocolError(() => decodeMessages(Buffer.concat([msg, msg.subarray(0, 5)])), ProtocolErrorCode.TRUNCATED);
  });

  it('rejects an empty buffer', () => {
    expectProtocolError(() => decodeMessages(Buffer.alloc(0)), ProtocolErrorCode.EMPTY);
  });

  it('enforces the max-messages limit (512 by default)', () => {
    const one = encodeMessage(0x03, Buffer.alloc(0));
    const many = Buffer.concat(Array.from({ length: 513 }, () => one));
    expect(countMessages(many.subarray(0, 512 * 3))).toBe(512);
    expectProtocolError(() => decodeMessages(many), ProtocolErrorCode.TOO_MANY_MESSAGES);
    expectProtocolError(() => decodeMessages(many.subarray(0, 9), 2), ProtocolErrorCode.TOO_MANY_MESSAGES);
  });

  it('passes op 0x00 through so dispatch answers UNKNOWN_OP (§7.1)', () => {
    expect(decodeMessages(Buffer.from([0x00, 0x00, 0x00]))[0]!.op).toBe(0);
  });

  it('finds message ends and single messages for the RUDP frame parser', () => {
    const msg = encodeMessage(0x80, Buffer.alloc(4));
    const framed = Buffer.concat([Buffer.from([0x10, 0, 0]), msg]);
    expect(messageEnd(framed, 3)).toBe(framed.length);
    expect(messageEnd(framed.subarray(0, framed.length - 1), 3)).toBe(-1);
    expect(messageEnd(framed, framed.length - 2)).toBe(-1);
    expect(messageEnd(framed, -1)).toBe(-1);
    expect(decodeSingleMessage(msg).payload.length).toBe(4);
    expectProtocolError(() => decodeSingleMessage(Buffer.concat([msg, Buffer.from([1])])), ProtocolErrorCode.TRUNCATED);
  });

  it('writes into a caller buffer at an offset', () => {
    const out = Buffer.alloc(10);
    expect(writeMessage(out, 2, 0x81, Buffer.from([9, 8]))).toBe(7);
    expect(out.subarray(2, 7).toString('hex')).toBe('8102000908');
  });
});
