import { getU16, getU32 } from '../codec/le-bytes.js';
import { ProtocolErrorCode, protocolError } from '../codec/protocol-error.js';
import {
  ACK_BITMAP_BITS,
  ACK_FRAME_BASE_SIZE,
  ACK_RANGE_SIZE,
  ChannelMode,
  CLOSE_FRAME_SIZE,
  FRAG_CHUNK,
  FRAG_HEADER_SIZE,
  FrameType,
  MAX_ACK_RANGES,
  MAX_CHANNELS,
  MAX_FRAGMENTS,
  MAX_SINGLE,
  PATH_FRAME_SIZE,
  WELCOME_BASE_SIZE,
} from './rudp.constants.js';

/** Parsed WELCOME frame (§3.3). */
export interface WelcomeInfo {
  resumed: boolean;
  serverTime: number;
  idleTimeoutMs: number;
  keepaliveMs: number;
  maxAckDelayMs: number;
  graceMs: number;
  channelModes: ChannelMode[];
}

/**
 * Zero-allocation cursor over the frames of one plaintext (§3.3). `next()` decodes one frame into
 * the reader's fields and throws a ProtocolError for any structural violation: truncation, unknown
 * type, channel not announced (§10.2), FRAG rules (§3.5), ACK validity (§3.3, §10.3), a second ACK
 * or WELCOME, WELCOME out of position (§10.1), more than `maxMsgs` MSG + FRAG frames.
 * Semantic checks (role, windows, ACK of unsent pns) belong to the connection.
 */
export class FrameReader {
  type = 0;
  channel = 0;
  // ACK
  ackLargest = 0;
  ackDelay = 0;
  /** Bitmap bits 0–31 and 32–63 (bit i ⇔ pn largest − 1 − i). */
  ackBitmapLo = 0;
  ackBitmapHi = 0;
  ackRangeCount = 0;
  readonly ackGaps = new Uint16Array(MAX_ACK_RANGES);
  readonly ackLengths = new Uint16Array(MAX_ACK_RANGES);
  // CLOSE
  closeReason = 0;
  // PATH_CHALLENGE / PATH_RESPONSE
  pathData: Buffer = Buffer.alloc(0);
  // MSG / FRAG
  msgId = 0;
  message: Buffer = Buffer.alloc(0);
  fragIndex = 0;
  fragCount = 0;
  chunk: Buffer = Buffer.alloc(0);
  // WELCOME
  welcome: WelcomeInfo | undefined;

  #buf: Buffer = Buffer.alloc(0);
  #offset = 0;
  #index = 0;
  #modes: readonly ChannelMode[] = [];
  #acks = 0;
  #welcomes = 0;
  #msgs = 0;
  #maxMsgs = 64;
  #sawNonAck = false;

  /** Starts reading `plaintext` with the channel table in force. Empty plaintext → PROTOCOL_ERROR. */
  reset(plaintext: Buffer, modes: readonly ChannelMode[], maxMsgs: number): void {
    if (plaintext.length === 0) {
      throw protocolError(ProtocolErrorCode.EMPTY, 'empty plaintext');
    }
    this.#buf = plaintext;
    this.#offset = 0;
    this.#index = 0;
    this.#modes = modes;
    this.#maxMsgs = maxMsgs;
    this.#acks = 0;
    this.#welcomes = 0;
    this.#msgs = 0;
    this.#sawNonAck = false;
    this.welcome = undefined;
  }

  /** Switches the channel table for the following frames (after a WELCOME, §10.1). */
  setModes(modes: readonly ChannelMode[]): void {
    this.#modes = modes;
  }

  /** Decodes the next frame; false at the end of the plaintext. */
  next(): boolean {
    const buf = this.#buf;
    const start = this.#offset;
    if (start >= buf.length) {
      return false;
    }
    const type = buf[start];
    this.type = type;
    this.#index++;
    if (type >= FrameType.MSG && type < FrameType.FRAG + MAX_CHANNELS) {
      this.#sawNonAck = true;
      this.#readMessageFrame(buf, start, type);
      return true;
    }
    switch (type) {
      case FrameType.PADDING:
        this.#offset = buf.length;
        return true;
      case FrameType.ACK:
        this.#readAck(buf, start);
        return true;
      case FrameType.PING:
        this.#sawNonAck = true;
        this.#offset = start + 1;
        return true;
      case FrameType.CLOSE:
        this.#sawNonAck = true;
        this.#need(start, CLOSE_FRAME_SIZE);
        this.closeReason = buf[start + 1];
        this.#offset = start + CLOSE_FRAME_SIZE;
        return true;
      case FrameType.WELCOME:
        this.#readWelcome(buf, start);
        this.#sawNonAck = true;
        return true;
      case FrameType.PATH_CHALLENGE:
      case FrameType.PATH_RESPONSE:
        this.#sawNonAck = true;
        this.#need(start, PATH_FRAME_SIZE);
        this.pathData = buf.subarray(start + 1, start + PATH_FRAME_SIZE);
        this.#offset = start + PATH_FRAME_SIZE;
        return true;
      default:
        throw protocolError(ProtocolErrorCode.UNKNOWN_FRAME, `unknown frame type 0x${type.toString(16)}`);
    }
  }

  #need(start: number, size: number): void {
    if (start + size > this.#buf.length) {
      throw protocolError(ProtocolErrorCode.TRUNCATED, `frame 0x${this.type.toString(16)} truncated`);
    }
  }

  #readAck(buf: Buffer, start: number): void {
    if (++this.#acks > 1) {
      throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'more than one ACK in a packet');
    }
    this.#need(start, ACK_FRAME_BASE_SIZE);
    const largest = getU32(buf, start + 1);
    const lo = getU32(buf, start + 7);
    const hi = getU32(buf, start + 11);
    const rangeCount = buf[start + 15];
    if (rangeCount > MAX_ACK_RANGES) {
      throw protocolError(ProtocolErrorCode.BAD_ACK, 'more than 8 ACK ranges');
    }
    this.#need(start, ACK_FRAME_BASE_SIZE + ACK_RANGE_SIZE * rangeCount);
    // Bit i covers pn largest − 1 − i: bits at i ≥ largest name pns below 0 (§10.3).
    if (largest < ACK_BITMAP_BITS) {
      const allowedLo = largest >= 32 ? 0xffff_ffff : largest === 0 ? 0 : (2 ** largest - 1) >>> 0;
      const allowedHi = largest > 32 ? (2 ** (largest - 32) - 1) >>> 0 : 0;
      if ((lo & ~allowedLo) !== 0 || (hi & ~allowedHi) !== 0) {
        throw protocolError(ProtocolErrorCode.BAD_ACK, 'ACK bitmap names a pn below 0');
      }
    }
    let cursor = largest - ACK_BITMAP_BITS;
    let off = start + ACK_FRAME_BASE_SIZE;
    for (let r = 0; r < rangeCount; r++) {
      const gap = getU16(buf, off);
      const length = getU16(buf, off + 2);
      off += ACK_RANGE_SIZE;
      if (length < 1 || (r > 0 && gap < 1)) {
        throw protocolError(ProtocolErrorCode.BAD_ACK, 'ACK range with zero length or gap');
      }
      const rangeHi = cursor - 1 - gap;
      const rangeLo = rangeHi - length + 1;
      if (rangeLo < 0) {
        throw protocolError(ProtocolErrorCode.BAD_ACK, 'ACK range reaches below pn 0');
      }
      this.ackGaps[r] = gap;
      this.ackLengths[r] = length;
      cursor = rangeLo;
    }
    this.ackLargest = largest;
    this.ackDelay = getU16(buf, start + 5);
    this.ackBitmapLo = lo;
    this.ackBitmapHi = hi;
    this.ackRangeCount = rangeCount;
    this.#offset = off;
  }

  #readWelcome(buf: Buffer, start: number): void {
    if (++this.#welcomes > 1) {
      throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'more than one WELCOME in a packet');
    }
    // §10.1: first frame, or second right after an ACK.
    if (this.#sawNonAck || this.#index > 2) {
      throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'WELCOME out of position');
    }
    this.#need(start, WELCOME_BASE_SIZE);
    const flags = buf[start + 1];
    const count = buf[start + 22];
    if ((flags & 0xfe) !== 0 || count < 1 || count > MAX_CHANNELS) {
      throw protocolError(ProtocolErrorCode.BAD_WELCOME, 'WELCOME flags or channel_count invalid');
    }
    this.#need(start, WELCOME_BASE_SIZE + count);
    const modes: ChannelMode[] = [];
    for (let i = 0; i < count; i++) {
      const mode = buf[start + WELCOME_BASE_SIZE + i];
      if (mode > 3 || (i === 0 && mode !== ChannelMode.RELIABLE_ORDERED)) {
        throw protocolError(ProtocolErrorCode.BAD_WELCOME, 'WELCOME channel mode invalid');
      }
      modes.push(mode as ChannelMode);
    }
    this.welcome = {
      resumed: (flags & 1) === 1,
      serverTime: Number(buf.readBigUInt64LE(start + 2)),
      idleTimeoutMs: buf.readUInt32LE(start + 10),
      keepaliveMs: buf.readUInt16LE(start + 14),
      maxAckDelayMs: buf.readUInt16LE(start + 16),
      graceMs: buf.readUInt32LE(start + 18),
      channelModes: modes,
    };
    this.#offset = start + WELCOME_BASE_SIZE + count;
  }

  #readMessageFrame(buf: Buffer, start: number, type: number): void {
    if (++this.#msgs > this.#maxMsgs) {
      throw protocolError(ProtocolErrorCode.TOO_MANY_MESSAGES, 'too many MSG + FRAG frames in a packet');
    }
    const channel = type & 0x0f;
    this.channel = channel;
    if (channel >= this.#modes.length) {
      throw protocolError(ProtocolErrorCode.BAD_CHANNEL, `channel ${channel} not announced`);
    }
    const mode = this.#modes[channel];
    if (type < FrameType.FRAG) {
      let off = start + 1;
      if (mode !== ChannelMode.UNRELIABLE) {
        this.#need(start, 3);
        this.msgId = getU16(buf, off);
        off += 2;
      }
      if (off + 3 > buf.length) {
        throw protocolError(ProtocolErrorCode.TRUNCATED, 'MSG frame ends inside the KaosTalk header');
      }
      const size = 3 + getU16(buf, off + 1);
      if (off + size > buf.length) {
        throw protocolError(ProtocolErrorCode.TRUNCATED, 'KaosTalk len overruns the MSG frame');
      }
      if (size > MAX_SINGLE) {
        throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'MSG frame larger than MAX_SINGLE');
      }
      this.message = buf.subarray(off, off + size);
      this.#offset = off + size;
      return;
    }
    if (mode === ChannelMode.UNRELIABLE || mode === ChannelMode.UNRELIABLE_SEQUENCED) {
      throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'FRAG on an unreliable channel');
    }
    this.#need(start, FRAG_HEADER_SIZE);
    const msgId = getU16(buf, start + 1);
    const index = buf[start + 3];
    const count = buf[start + 4];
    const chunkLen = getU16(buf, start + 5);
    if (count < 2 || count > MAX_FRAGMENTS || index >= count) {
      throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'frag_count or frag_index out of range');
    }
    const last = index === count - 1;
    if (last ? chunkLen < 1 || chunkLen > FRAG_CHUNK : chunkLen !== FRAG_CHUNK) {
      throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'chunk_len invalid');
    }
    this.#need(start, FRAG_HEADER_SIZE + chunkLen);
    this.msgId = msgId;
    this.fragIndex = index;
    this.fragCount = count;
    this.chunk = buf.subarray(start + FRAG_HEADER_SIZE, start + FRAG_HEADER_SIZE + chunkLen);
    this.#offset = start + FRAG_HEADER_SIZE + chunkLen;
  }
}
