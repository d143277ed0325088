import { Buffer } from 'node:buffer';
import { ProtocolErrorCode, protocolError } from '../codec/protocol-error.js';
import {
  ChannelMode,
  FRAG_CHUNK,
  MAX_KT_MESSAGE,
  MAX_SINGLE,
  MSG_ID_MASK,
  MSG_ID_SPACE,
  RECEIVE_WINDOW,
  msgIdDistance,
} from './rudp.constants.js';

/** Where a receiver hands complete messages. Implemented once by the connection (no closure per message). */
export interface MessageSink {
  deliverMessage(channel: number, message: Buffer): void;
}

/** A message being reassembled from FRAG frames (§3.5). */
class Reassembly {
  readonly count: number;
  readonly chunks: (Buffer | undefined)[];
  received = 0;
  bytes = 0;

  constructor(count: number) {
    this.count = count;
    this.chunks = new Array<Buffer | undefined>(count);
  }
}

/**
 * Receive side of one RO/RU channel (§3.4, §3.5, §10.7): the window check on `msg_id`, the
 * out-of-order buffer (RO) or received map (RU), bounded reassembly, and the per-channel buffer cap.
 * Survives a connection (§4.6 resume).
 */
export class ReliableReceiver {
  readonly channel: number;
  readonly mode: ChannelMode;
  readonly #bufferCap: number;
  /** RO: lowest msg_id not yet delivered. RU: lowest msg_id not yet received (§10.7). */
  nextExpected = 0;
  /** RO: complete messages waiting for their turn. */
  readonly #ordered = new Map<number, Buffer>();
  /** RU: bit (id mod 1,024) set ⇔ id ∈ [next, next + 1,024) received. */
  readonly #receivedMap = new Uint32Array(RECEIVE_WINDOW >>> 5);
  readonly #reassembly = new Map<number, Reassembly>();
  #bufferedBytes = 0;

  constructor(channel: number, mode: ChannelMode, reliableWindowBytes: number) {
    this.channel = channel;
    this.mode = mode;
    this.#bufferCap = reliableWindowBytes + MAX_KT_MESSAGE;
  }

  /** Out-of-order messages plus partial reassemblies, in bytes (capped, §3.4). */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  get pendingReassemblies(): number {
    return this.#reassembly.size;
  }

  /**
   * Window check (§3.4): true to accept, false for a duplicate; throws PROTOCOL_ERROR outside the window.
   */
  #accept(msgId: number): boolean {
    const d = msgIdDistance(msgId, this.nextExpected);
    if (d >= MSG_ID_SPACE - RECEIVE_WINDOW) {
      return false;
    }
    if (d >= RECEIVE_WINDOW) {
      throw protocolError(ProtocolErrorCode.WINDOW, `msg_id ${msgId} outside the receive window`);
    }
    if (this.mode === ChannelMode.RELIABLE_ORDERED) {
      return !this.#ordered.has(msgId);
    }
    return !this.#isReceived(msgId);
  }

  /** A whole message from a MSG frame. */
  onMessage(msgId: number, message: Buffer, sink: MessageSink): void {
    if (this.#accept(msgId)) {
      this.#complete(msgId, message, false, sink);
    }
  }

  /** One FRAG frame; the reader already checked index, count and chunk_len (§3.5). */
  onFragment(msgId: number, index: number, count: number, chunk: Buffer, sink: MessageSink): void {
    if (!this.#accept(msgId)) {
      return;
    }
    let r = this.#reassembly.get(msgId);
    if (r === undefined) {
      r = new Reassembly(count);
      this.#reassembly.set(msgId, r);
    } else if (r.count !== count) {
      throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'frag_count differs between fragments of one message');
    }
    if (r.chunks[index] !== undefined) {
      return;
    }
    r.chunks[index] = chunk;
    r.received++;
    r.bytes += chunk.length;
    this.#addBuffered(chunk.length);
    if (r.received < count) {
      return;
    }
    this.#reassembly.delete(msgId);
    this.#bufferedBytes -= r.bytes;
    const first = r.chunks[0] as Buffer;
    const expected = 3 + first.readUInt16LE(1);
    const total = FRAG_CHUNK * (count - 1) + (r.chunks[count - 1] as Buffer).length;
    if (total !== expected || total <= MAX_SINGLE) {
      throw protocolError(ProtocolErrorCode.BAD_FRAGMENT, 'reassembled size does not match the KaosTalk len');
    }
    this.#complete(msgId, Buffer.concat(r.chunks as Buffer[], total), true, sink);
  }

  #complete(msgId: number, message: Buffer, owned: boolean, sink: MessageSink): void {
    if (this.mode === ChannelMode.RELIABLE_UNORDERED) {
      this.#markReceived(msgId);
      sink.deliverMessage(this.channel, message);
      return;
    }
    if (msgId !== this.nextExpected) {
      // Copy small views so a buffered message does not pin its whole plaintext.
      const kept = owned ? message : Buffer.from(message);
      this.#ordered.set(msgId, kept);
      this.#addBuffered(kept.length);
      return;
    }
    sink.deliverMessage(this.channel, message);
    this.nextExpected = (this.nextExpected + 1) & MSG_ID_MASK;
    for (let next = this.#ordered.get(this.nextExpected); next !== undefined; next = this.#ordered.get(this.nextExpected)) {
      this.#ordered.delete(this.nextExpected);
      this.#bufferedBytes -= next.length;
      sink.deliverMessage(this.channel, next);
      this.nextExpected = (this.nextExpected + 1) & MSG_ID_MASK;
    }
  }

  #addBuffered(bytes: number): void {
    this.#bufferedBytes += bytes;
    if (this.#bufferedBytes > this.#bufferCap) {
      throw protocolError(ProtocolErrorCode.BUFFER_OVERFLOW, `channel ${this.channel} receive buffer above its cap`);
    }
  }

  #isReceived(msgId: number): boolean {
    const i = msgId & (RECEIVE_WINDOW - 1);
    return (this.#receivedMap[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  #markReceived(msgId: number): void {
    let i = msgId & (RECEIVE_WINDOW - 1);
    this.#receivedMap[i >>> 5] |= 1 << (i & 31);
    while (this.#isReceived(this.nextExpected)) {
      i = this.nextExpected & (RECEIVE_WINDOW - 1);
      this.#receivedMap[i >>> 5] &= ~(1 << (i & 31));
      this.nextExpected = (this.nextExpected + 1) & MSG_ID_MASK;
    }
  }
}
