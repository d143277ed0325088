import { describe, it, expect } from '@jest/globals';
import { ProtocolError, ProtocolErrorCode } from '../codec/protocol-error.js';
import { FrameReader } from './frame-reader.js';
import { writeClose, writeFrag, writeMsg, writePathFrame, writePing, writeWelcome } from './frame-writer.js';
import { ChannelMode, DEFAULT_CHANNEL_MODES, FrameType } from './rudp.constants.js';
import { ktMessage } from '../testing/rudp-test-pair.js';

function readAll(buf: Buffer, modes = DEFAULT_CHANNEL_MODES): number[] {
  const sut = new FrameReader();
  sut.reset(buf, modes, 64);
  const types: number[] = [];
  while (sut.next()) {
    types.push(sut.type);
  }
  return types;
}

function errorOf(buf: Buffer, modes = DEFAULT_CHANNEL_MODES): string {
  try {
    readAll(buf, modes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).closeCode).toBe(1);
    return (error as ProtocolError).code;
  }
  return 'none';
}

function ack(largest: number, lo = 0, hi = 0, ranges: [number, number][] = []): Buffer {
  const buf = Buffer.alloc(16 + 4 * ranges.length);
  buf[0] = FrameType.ACK;
  buf.writeUInt32LE(largest, 1);
  buf.writeUInt32LE(lo >>> 0, 7);
  buf.writeUInt32LE(hi >>> 0, 11);
  buf[15] = ranges.length;
  ranges.forEach(([gap, length], i) => {
    buf.writeUInt16LE(gap, 16 + 4 * i);
    buf.writeUInt16LE(length, 18 + 4 * i);
  });
  return buf;
}

const welcomeFields = {
  resumed: true,
  serverTime: 1_767_225_600_123,
  idleTimeoutMs: 10_000,
  keepaliveMs: 2_000,
  maxAckDelayMs: 25,
  graceMs: 30_000,
  channelModes: DEFAULT_CHANNEL_MODES,
};

describe(FrameReader.name, () => {
  it('round-trips every frame type written by the frame writer', () => {
    const buf = Buffer.alloc(1_175);
    let off = 0;
    ack(70, 0xffff_ffff, 0xffff_ffff, [[0, 5]]).copy(buf, off);
    off += 20;
    off = writeWelcome(buf, off, welcomeFields);
    off = writePing(buf, off);
    off = writePathFrame(buf, off, FrameType.PATH_CHALLENGE, Buffer.from('12345678'));
    off = writeMsg(buf, off, 1, ChannelMode.RELIABLE_ORDERED, 7, ktMessage(0x80, 10, 1));
    off = writeMsg(buf, off, 4, ChannelMode.UNRELIABLE, 0, ktMessage(0x13, 5, 2));
    off = writeFrag(buf, off, 2, 9, 2, 3, Buffer.alloc(900, 7));
    off = writeClose(buf, off, 4);
    const sut = new FrameReader();
    sut.reset(buf.subarray(0, off), DEFAULT_CHANNEL_MODES, 64);
    expect(sut.next() && sut.type).toBe(FrameType.ACK);
    expect([sut.ackLargest, sut.ackRangeCount, sut.ackGaps[0], sut.ackLengths[0]]).toEqual([70, 1, 0, 5]);
    expect(sut.next() && sut.welcome).toEqual({ ...welcomeFields, channelModes: [0, 0, 1, 2, 3] });
    expect(sut.next() && sut.type).toBe(FrameType.PING);
    expect(sut.next() && sut.pathData.toString()).toBe('12345678');
    expect(sut.next() && [sut.channel, sut.msgId, sut.message.length]).toEqual([1, 7, 13]);
    expect(sut.next() && [sut.channel, sut.message.length]).toEqual([4, 8]);
    expect(sut.next() && [sut.channel, sut.msgId, sut.fragIndex, sut.fragCount, sut.chunk.length]).toEqual([2, 9, 2, 3, 900]);
    expect(sut.next() && sut.closeReason).toBe(4);
    expect(sut.next()).toBe(false);
  });

  it('lets PADDING swallow the rest of the plaintext', () => {
    expect(readAll(Buffer.from([FrameType.PING, 0, 0xff, 0xff]))).toEqual([FrameType.PING, FrameType.PADDING]);
  });

  it.each([
    ['an empty plaintext', Buffer.alloc(0), ProtocolErrorCode.EMPTY],
    ['a reserved frame type 0x07', Buffer.from([0x07]), ProtocolErrorCode.UNKNOWN_FRAME],
    ['a reserved frame type 0x30', Buffer.from([0x30]), ProtocolErrorCode.UNKNOWN_FRAME],
    ['a truncated ACK', ack(3).subarray(0, 10), ProtocolErrorCode.TRUNCATED],
    ['two ACKs', Buffer.concat([ack(3), ack(3)]), ProtocolErrorCode.UNEXPECTED_FRAME],
    ['an ACK bitmap bit below pn 0', ack(3, 0b1000), ProtocolErrorCode.BAD_ACK],
    ['an ACK with 9 ranges', Buffer.concat([ack(5_000).subarray(0, 15), Buffer.from([9]), Buffer.alloc(36, 1)]), ProtocolErrorCode.BAD_ACK],
    ['an ACK range reaching below 0', ack(100, 0, 0, [[0, 40]]), ProtocolErrorCode.BAD_ACK],
    ['an ACK range while largest ≤ 64', ack(64, 0, 0, [[0, 1]]), ProtocolErrorCode.BAD_ACK],
    ['an ACK range of length 0', ack(500, 0, 0, [[0, 0]]), ProtocolErrorCode.BAD_ACK],
    ['a second ACK range with gap 0', ack(500, 0, 0, [[0, 3], [0, 3]]), ProtocolErrorCode.BAD_ACK],
    ['a truncated CLOSE', Buffer.from([FrameType.CLOSE]), ProtocolErrorCode.TRUNCATED],
    ['a truncated PATH_CHALLENGE', Buffer.from([FrameType.PATH_CHALLENGE, 1, 2]), ProtocolErrorCode.TRUNCATED],
    ['MSG on channel 5 with 5 channels announced', Buffer.concat([Buffer.from([0x15, 0, 0]), ktMessage(0x80, 1)]), ProtocolErrorCode.BAD_CHANNEL],
    ['a KaosTalk len overrunning the MSG frame', Buffer.from([0x11, 0, 0, 0x80, 10, 0, 1, 2]), ProtocolErrorCode.TRUNCATED],
    ['a MSG frame with a message above MAX_SINGLE', Buffer.concat([Buffer.from([0x11, 0, 0]), ktMessage(0x80, 1_098)]), ProtocolErrorCode.BAD_FRAGMENT],
    ['FRAG on a US channel', Buffer.from([0x23, 0, 0, 0, 2, 1, 0, 9]), ProtocolErrorCode.BAD_FRAGMENT],
    ['FRAG on a U channel', Buffer.from([0x24, 0, 0, 0, 2, 1, 0, 9]), ProtocolErrorCode.BAD_FRAGMENT],
    ['FRAG with frag_count 61', Buffer.from([0x21, 0, 0, 0, 61, 1, 0, 9]), ProtocolErrorCode.BAD_FRAGMENT],
    ['FRAG with frag_count 1', Buffer.from([0x21, 0, 0, 0, 1, 1, 0, 9]), ProtocolErrorCode.BAD_FRAGMENT],
    ['FRAG with frag_index ≥ frag_count', Buffer.from([0x21, 0, 0, 2, 2, 1, 0, 9]), ProtocolErrorCode.BAD_FRAGMENT],
    ['a non-last chunk of 1,099 B', Buffer.concat([Buffer.from([0x21, 0, 0, 0, 2, 0x4b, 0x04]), Buffer.alloc(1_099)]), ProtocolErrorCode.BAD_FRAGMENT],
    ['a last chunk of 0 B', Buffer.from([0x21, 0, 0, 1, 2, 0, 0]), ProtocolErrorCode.BAD_FRAGMENT],
    ['a truncated chunk', Buffer.from([0x21, 0, 0, 1, 2, 10, 0, 1, 2]), ProtocolErrorCode.TRUNCATED],
  ])('rejects %s', (_name, buf, code) => {
    expect(errorOf(buf)).toBe(code);
  });

  it('rejects more than 64 MSG + FRAG frames in one packet', () => {
    const one = Buffer.concat([Buffer.from([0x14]), ktMessage(0x80, 0)]);
    expect(errorOf(Buffer.concat(Array.from({ length: 64 }, () => one)))).toBe('none');
    expect(errorOf(Buffer.concat(Array.from({ length: 65 }, () => one)))).toBe(ProtocolErrorCode.TOO_MANY_MESSAGES);
  });

  it('accepts WELCOME first or right after an ACK, and nowhere else (§10.1)', () => {
    const w = Buffer.alloc(40);
    const welcome = w.subarray(0, writeWelcome(w, 0, welcomeFields));
    expect(readAll(Buffer.concat([ack(0), welcome]))).toEqual([FrameType.ACK, FrameType.WELCOME]);
    expect(errorOf(Buffer.concat([Buffer.from([FrameType.PING]), welcome]))).toBe(ProtocolErrorCode.UNEXPECTED_FRAME);
    expect(errorOf(Buffer.concat([welcome, welcome]))).toBe(ProtocolErrorCode.UNEXPECTED_FRAME);
  });

  it('rejects a WELCOME whose channel 0 is not reliable-ordered or with 17 channels', () => {
    const w = Buffer.alloc(60);
    const bad0 = w.subarray(0, writeWelcome(w, 0, { ...welcomeFields, channelModes: [ChannelMode.UNRELIABLE] }));
    expect(errorOf(Buffer.from(bad0))).toBe(ProtocolErrorCode.BAD_WELCOME);
    const many = Buffer.alloc(60);
    const end = writeWelcome(many, 0, { ...welcomeFields, channelModes: [0] });
    many[22] = 17;
    expect(errorOf(many.subarray(0, end + 16))).toBe(ProtocolErrorCode.BAD_WELCOME);
  });

  it('parses frames after a WELCOME with the channel table it announced', () => {
    const sut = new FrameReader();
    const w = Buffer.alloc(40);
    const welcome = w.subarray(0, writeWelcome(w, 0, { ...welcomeFields, channelModes: [0, 3] }));
    const msg = Buffer.concat([Buffer.from([0x11]), ktMessage(0x80, 2)]);
    sut.reset(Buffer.concat([welcome, msg]), DEFAULT_CHANNEL_MODES, 64);
    sut.next();
    sut.setModes(sut.welcome!.channelModes);
    expect(sut.next() && sut.message.length).toBe(5);
  });
});
