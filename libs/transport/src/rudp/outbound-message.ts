import { FRAG_CHUNK, MAX_SINGLE } from './rudp.constants.js';

/** Per-fragment send state of a reliable message. */
export const FragState = {
  /** Admitted, never sent. */
  NEW: 0,
  /** Sent, not acked, not queued for retransmission. */
  SENT: 1,
  /** Declared lost (or adopted after resume): waiting in the retransmission queue. */
  QUEUED: 2,
  ACKED: 3,
} as const;
export type FragState = (typeof FragState)[keyof typeof FragState];

/**
 * One serialized KaosTalk message on a reliable channel (§3.4, §3.5). Messages of up to
 * `MAX_SINGLE` bytes travel as one MSG frame ("fragment" 0 of 1); larger ones as 2–60 FRAG frames.
 */
export class OutboundMessage {
  readonly channel: number;
  readonly bytes: Buffer;
  readonly fragCount: number;
  /** −1 until admitted into the send window. */
  msgId = -1;
  /**
   * Per-fragment bytes in one array (one allocation per message, not three): `[0, n)` the
   * {@link FragState}, `[n, 2n)` copies in packets neither acked nor declared lost, `[2n, 3n)`
   * 1 once the fragment was ever sent (first transmissions vs retransmissions accounting).
   * A plain array of small integers, not a Uint8Array: creating a typed array is a builtin call on
   * every reliable send (perf, 0.3 % of the echo round trip); an array literal is an inline
   * allocation. Every message's array has the same elements kind, so the accesses stay monomorphic.
   */
  readonly state: number[];
  ackedFrags = 0;

  /** When the application queued it (queue-delay stats). */
  readonly queuedAt: number;

  constructor(channel: number, bytes: Buffer, queuedAt: number) {
    this.channel = channel;
    this.queuedAt = queuedAt;
    this.bytes = bytes;
    this.fragCount = bytes.length <= MAX_SINGLE ? 1 : Math.ceil(bytes.length / FRAG_CHUNK);
    this.state = this.fragCount === 1 ? [0, 0, 0] : zeroes(3 * this.fragCount);
  }

  get fragmented(): boolean {
    return this.fragCount > 1;
  }

  get acked(): boolean {
    return this.ackedFrags === this.fragCount;
  }

  /** Bytes of the message carried by fragment `index` (§3.5: chunks of 1,100 B, last shorter). */
  chunk(index: number): Buffer {
    if (this.fragCount === 1) {
      return this.bytes;
    }
    const start = index * FRAG_CHUNK;
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + FRAG_CHUNK));
  }

  chunkLength(index: number): number {
    if (this.fragCount === 1) {
      return this.bytes.length;
    }
    return index === this.fragCount - 1 ? this.bytes.length - index * FRAG_CHUNK : FRAG_CHUNK;
  }
}

/** A packed (not holey) array of `n` zeroes, the same elements kind as the literal above. */
function zeroes(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) {
    a.push(0);
  }
  return a;
}
