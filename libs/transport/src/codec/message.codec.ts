/**
 * KaosTalk message framing (spec §2.1): `op u8 | len u16 LE | payload[len]`, several per buffer.
 * Decoding validates a whole buffer before returning anything (WS §5.2, KT-3) and hands out
 * zero-copy `subarray` views of the payloads.
 */
import { copyInto } from './le-bytes.js';
import { Buffer } from 'node:buffer';
import { KT_HEADER_SIZE, MAX_KT_PAYLOAD, MAX_MESSAGES_PER_WS_MESSAGE } from './kaostalk.constants.js';
import { ProtocolErrorCode, protocolError } from './protocol-error.js';

/** One decoded KaosTalk message. `payload` is a view into the received buffer (not a copy). */
export interface KtMessage {
  readonly op: number;
  readonly payload: Buffer;
}

/**
 * End offset of the message starting at `offset` (`offset + 3 + len`), or -1 when the buffer ends
 * inside its header or payload. Does not allocate; used by the RUDP MSG-frame parser.
 */
export function messageEnd(buf: Buffer, offset: number): number {
  if (offset < 0 || offset + KT_HEADER_SIZE > buf.length) {
    return -1;
  }
  const end = offset + KT_HEADER_SIZE + (buf[offset + 1]! | (buf[offset + 2]! << 8));
  return end > buf.length ? -1 : end;
}

/**
 * Counts the messages in `buf` after checking that the buffer is exactly a sequence of whole
 * messages. Throws a {@link ProtocolError}: `KT_ERR_EMPTY` for an empty buffer,
 * `KT_ERR_TRUNCATED` when it ends inside a header or payload, `KT_ERR_TOO_MANY_MESSAGES` above
 * `maxMessages`. Op 0x00 is not a framing error: the dispatcher answers it with UNKNOWN_OP (§7.1).
 */
export function countMessages(buf: Buffer, maxMessages: number = MAX_MESSAGES_PER_WS_MESSAGE): number {
  const length = buf.length;
  if (length === 0) {
    throw protocolError(ProtocolErrorCode.EMPTY, 'empty buffer: no KaosTalk message');
  }
  let offset = 0;
  let count = 0;
  while (offset < length) {
    if (offset + KT_HEADER_SIZE > length) {
      throw protocolError(ProtocolErrorCode.TRUNCATED, `buffer ends inside a KaosTalk header at offset ${offset}`);
    }
    const end = offset + KT_HEADER_SIZE + (buf[offset + 1]! | (buf[offset + 2]! << 8));
    if (end > length) {
      throw protocolError(ProtocolErrorCode.TRUNCATED, `buffer ends inside a KaosTalk payload at offset ${offset}`);
    }
    count++;
    if (count > maxMessages) {
      throw protocolError(ProtocolErrorCode.TOO_MANY_MESSAGES, `more than ${maxMessages} KaosTalk messages in one buffer`);
    }
    offset = end;
  }
  return count;
}

/**
 * Decodes every message in `buf`, all or nothing: the whole buffer is validated first
 * ({@link countMessages}), so a malformed buffer yields no message at all (KT-3).
 *
 * @example
 * decodeMessages(Buffer.from('030000', 'hex')); // [{ op: 3, payload: <empty view> }]
 */
export function decodeMessages(buf: Buffer, maxMessages: number = MAX_MESSAGES_PER_WS_MESSAGE): KtMessage[] {
  const count = countMessages(buf, maxMessages);
  const out = new Array<KtMessage>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const start = offset + KT_HEADER_SIZE;
    const end = start + (buf[offset + 1]! | (buf[offset + 2]! << 8));
    out[i] = { op: buf[offset]!, payload: buf.subarray(start, end) };
    offset = end;
  }
  return out;
}

/**
 * Decodes exactly one message that must fill `buf` (e.g. the KaosTalk message of a reassembled
 * FRAG sequence). Throws `KT_ERR_TRUNCATED` when it does not fit or leaves trailing bytes.
 */
export function decodeSingleMessage(buf: Buffer): KtMessage {
  const end = messageEnd(buf, 0);
  if (end !== buf.length) {
    throw protocolError(ProtocolErrorCode.TRUNCATED, 'buffer is not exactly one KaosTalk message');
  }
  return { op: buf[0]!, payload: buf.subarray(KT_HEADER_SIZE, end) };
}

function checkOutbound(op: number, payloadLength: number): void {
  if (!Number.isInteger(op) || op < 1 || op > 0xff) {
    throw new RangeError(`KaosTalk op must be 0x01–0xFF, got ${op}`);
  }
  if (payloadLength > MAX_KT_PAYLOAD) {
    throw new RangeError(`KaosTalk payload of ${payloadLength} B exceeds ${MAX_KT_PAYLOAD} B`);
  }
}

/**
 * Writes the 3-byte header at `offset` and returns the offset where the payload goes. Outbound
 * misuse (op 0x00, len > 65,535) is a programming error and throws a RangeError (KT-1).
 */
export function writeMessageHeader(target: Buffer, offset: number, op: number, payloadLength: number): number {
  checkOutbound(op, payloadLength);
  target[offset] = op;
  target[offset + 1] = payloadLength & 0xff;
  target[offset + 2] = payloadLength >>> 8;
  return offset + KT_HEADER_SIZE;
}

/** Writes header + payload at `offset` of `target`; returns the end offset. */
export function writeMessage(target: Buffer, offset: number, op: number, payload: Uint8Array): number {
  const start = writeMessageHeader(target, offset, op, payload.length);
  copyInto(target, payload, start);
  return start + payload.length;
}

/** Serializes one message into a new buffer of `3 + payload.length` bytes. */
export function encodeMessage(op: number, payload: Uint8Array): Buffer {
  checkOutbound(op, payload.length);
  const out = Buffer.allocUnsafe(KT_HEADER_SIZE + payload.length);
  writeMessage(out, 0, op, payload);
  return out;
}

/** Serialized size of a message with this payload length. */
export function messageSize(payloadLength: number): number {
  return KT_HEADER_SIZE + payloadLength;
}

/**
 * Concatenates messages into one buffer (one WS binary message, §5.2).
 *
 * @example
 * encodeMessages([{ op: 0x03, payload: Buffer.alloc(0) }, { op: 0x03, payload: Buffer.alloc(0) }]);
 */
export function encodeMessages(messages: readonly KtMessage[]): Buffer {
  let total = 0;
  for (const m of messages) {
    checkOutbound(m.op, m.payload.length);
    total += KT_HEADER_SIZE + m.payload.length;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const m of messages) {
    offset = writeMessage(out, offset, m.op, m.payload);
  }
  return out;
}
