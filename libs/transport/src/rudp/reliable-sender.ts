import { ChannelMode, FRAG_HEADER_SIZE, MSG_ID_MASK, msgIdDistance } from './rudp.constants.js';
import { FragState, OutboundMessage } from './outbound-message.js';
import { msgFrameSize } from './frame-writer.js';

/**
 * Growable FIFO ring: no allocation per operation once it has grown to the channel's depth. (It
 * used to be an array shifted by a head index and compacted every 1,024 entries, so a steady
 * stream grew, copied and dropped a backing store over and over.)
 */
class Fifo<T> {
  #items: (T | undefined)[] = [undefined, undefined, undefined, undefined];
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }
  at(i: number): T {
    return this.#items[(this.#head + i) & (this.#items.length - 1)] as T;
  }
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }
  push(item: T): void {
    if (this.#size === this.#items.length) {
      this.#grow();
    }
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }
  shift(): T | undefined {
    if (this.#size === 0) {
      return undefined;
    }
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }
  /** Doubles the ring (capacity stays a power of two, so indices wrap with a mask). */
  #grow(): void {
    const old = this.#items;
    const items: (T | undefined)[] = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#size; i++) {
      items[i] = old[(this.#head + i) & (old.length - 1)];
    }
    this.#items = items;
    this.#head = 0;
  }
}

/** Backlog accounting shared by the reliable channels of one session (§7.2). */
export interface BacklogCounter {
  backlogBytes: number;
  backlogMessages: number;
}

/**
 * Send side of one RO/RU channel (§3.4): the waiting queue (messages not yet in the window), the
 * window of admitted, unacknowledged messages in `msg_id` order, the queue of new fragments and the
 * ordered retransmission queue. Survives a connection (§4.6 resume).
 */
export class ReliableSender {
  readonly channel: number;
  readonly mode: ChannelMode;
  readonly #msgWindow: number;
  readonly #windowBytesLimit: number;
  readonly #backlog: BacklogCounter;
  readonly #waiting = new Fifo<OutboundMessage>();
  readonly #unacked = new Fifo<OutboundMessage>();
  readonly #fresh = new Fifo<OutboundMessage>();
  #freshFrag = 0;
  /** Retransmission queue, ordered by (msg_id, fragment) (§3.7). */
  #rtxMsgs: OutboundMessage[] = [];
  #rtxFrags: number[] = [];
  #rtxHead = 0;
  nextMsgId = 0;
  #windowBytes = 0;
  // Probe cursor (PTO: oldest unacked reliable frames).
  #probeMsg = 0;
  #probeFrag = 0;

  constructor(channel: number, mode: ChannelMode, msgWindow: number, windowBytes: number, backlog: BacklogCounter) {
    this.channel = channel;
    this.mode = mode;
    this.#msgWindow = msgWindow;
    this.#windowBytesLimit = windowBytes;
    this.#backlog = backlog;
  }

  /** Oldest unacknowledged msg_id, or the next one when nothing is unacked (§10.8). */
  get base(): number {
    const first = this.#unacked.peek();
    return first === undefined ? this.nextMsgId : first.msgId;
  }

  get waitingCount(): number {
    return this.#waiting.length;
  }

  get unackedCount(): number {
    return this.#unacked.length;
  }

  get windowBytes(): number {
    return this.#windowBytes;
  }

  /** Queues a message; admits it into the window at once when there is room. */
  enqueue(bytes: Buffer, now: number): void {
    const msg = new OutboundMessage(this.channel, bytes, now);
    this.#backlog.backlogBytes += bytes.length;
    this.#backlog.backlogMessages++;
    this.#waiting.push(msg);
    this.#admit();
  }

  #admit(): void {
    for (let msg = this.#waiting.peek(); msg !== undefined; msg = this.#waiting.peek()) {
      if (msgIdDistance(this.nextMsgId, this.base) >= this.#msgWindow || this.#windowBytes >= this.#windowBytesLimit) {
        return;
      }
      this.#waiting.shift();
      msg.msgId = this.nextMsgId;
      this.nextMsgId = (this.nextMsgId + 1) & MSG_ID_MASK;
      this.#windowBytes += msg.bytes.length;
      this.#unacked.push(msg);
      this.#fresh.push(msg);
    }
  }

  /** Whether a retransmission is queued (after dropping cancelled entries). */
  hasRetransmit(): boolean {
    while (this.#rtxHead < this.#rtxMsgs.length) {
      const msg = this.#rtxMsgs[this.#rtxHead];
      if (msg.state[this.#rtxFrags[this.#rtxHead]] === FragState.QUEUED) {
        return true;
      }
      this.#rtxHead++;
    }
    if (this.#rtxHead > 0) {
      this.#rtxMsgs = [];
      this.#rtxFrags = [];
      this.#rtxHead = 0;
    }
    return false;
  }

  /** Head of the retransmission queue; call {@link hasRetransmit} first. */
  retransmitMsg(): OutboundMessage {
    return this.#rtxMsgs[this.#rtxHead];
  }

  retransmitFrag(): number {
    return this.#rtxFrags[this.#rtxHead];
  }

  popRetransmit(): void {
    this.#rtxHead++;
  }

  /** Age of the oldest message not yet sent at all (waiting or admitted), 0 when none. */
  oldestUnsentAge(now: number): number {
    const msg = this.#fresh.peek() ?? this.#waiting.peek();
    return msg === undefined ? 0 : now - msg.queuedAt;
  }

  hasFresh(): boolean {
    return this.#fresh.length > 0;
  }

  freshMsg(): OutboundMessage {
    return this.#fresh.peek() as OutboundMessage;
  }

  freshFrag(): number {
    return this.#freshFrag;
  }

  popFresh(): void {
    const msg = this.#fresh.peek() as OutboundMessage;
    if (++this.#freshFrag >= msg.fragCount) {
      this.#fresh.shift();
      this.#freshFrag = 0;
    }
  }

  /** Size of the frame carrying fragment `frag` of `msg`. */
  frameSize(msg: OutboundMessage, frag: number): number {
    return msg.fragmented ? FRAG_HEADER_SIZE + msg.chunkLength(frag) : msgFrameSize(this.mode, msg.bytes.length);
  }

  /** Records that a packet now carries fragment `frag` of `msg`. */
  onFrameSent(msg: OutboundMessage, frag: number): void {
    if (msg.state[frag] !== FragState.ACKED) {
      msg.state[frag] = FragState.SENT;
    }
    msg.state[msg.fragCount + frag]++;
    msg.state[2 * msg.fragCount + frag] = 1;
  }

  /** A packet carrying the fragment was acked (also when it had been declared lost, §3.6). */
  onFrameAcked(msg: OutboundMessage, frag: number, wasInFlight: boolean): void {
    if (wasInFlight && msg.state[msg.fragCount + frag] > 0) {
      msg.state[msg.fragCount + frag]--;
    }
    if (msg.state[frag] === FragState.ACKED) {
      return;
    }
    msg.state[frag] = FragState.ACKED;
    msg.ackedFrags++;
    if (msg.ackedFrags === msg.fragCount) {
      this.#releaseAcked();
    }
  }

  #releaseAcked(): void {
    for (let first = this.#unacked.peek(); first !== undefined && first.acked; first = this.#unacked.peek()) {
      this.#unacked.shift();
      this.#windowBytes -= first.bytes.length;
      this.#backlog.backlogBytes -= first.bytes.length;
      this.#backlog.backlogMessages--;
      if (this.#probeMsg > 0) {
        this.#probeMsg--;
      }
    }
    this.#admit();
  }

  /** A packet carrying the fragment was declared lost: queue it again unless another copy is in flight. */
  onFrameLost(msg: OutboundMessage, frag: number): void {
    if (msg.state[msg.fragCount + frag] > 0) {
      msg.state[msg.fragCount + frag]--;
    }
    if (msg.state[frag] === FragState.SENT && msg.state[msg.fragCount + frag] === 0) {
      this.#queueRetransmit(msg, frag);
    }
  }

  #queueRetransmit(msg: OutboundMessage, frag: number): void {
    msg.state[frag] = FragState.QUEUED;
    const base = this.base;
    const key = msgIdDistance(msg.msgId, base) * 64 + frag;
    let i = this.#rtxMsgs.length;
    while (i > this.#rtxHead) {
      const prev = this.#rtxMsgs[i - 1];
      if (msgIdDistance(prev.msgId, base) * 64 + this.#rtxFrags[i - 1] <= key) {
        break;
      }
      i--;
    }
    this.#rtxMsgs.splice(i, 0, msg);
    this.#rtxFrags.splice(i, 0, frag);
  }

  /** Resume (§4.6): every sent, unacked fragment is lost and goes back in order; nothing is in flight. */
  requeueAllInFlight(): void {
    this.#rtxMsgs = [];
    this.#rtxFrags = [];
    this.#rtxHead = 0;
    for (let i = 0; i < this.#unacked.length; i++) {
      const msg = this.#unacked.at(i);
      msg.state.fill(0, msg.fragCount, 2 * msg.fragCount);
      for (let f = 0; f < msg.fragCount; f++) {
        if (msg.state[f] === FragState.SENT || msg.state[f] === FragState.QUEUED) {
          msg.state[f] = FragState.QUEUED;
          this.#rtxMsgs.push(msg);
          this.#rtxFrags.push(f);
        }
      }
    }
  }

  /** Starts a PTO probe walk over the oldest unacked fragments. */
  resetProbe(): void {
    this.#probeMsg = 0;
    this.#probeFrag = 0;
  }

  /** Next sent-but-unacked fragment for a probe, oldest first; false when none is left. */
  nextProbe(): boolean {
    while (this.#probeMsg < this.#unacked.length) {
      const msg = this.#unacked.at(this.#probeMsg);
      while (this.#probeFrag < msg.fragCount) {
        const s = msg.state[this.#probeFrag];
        if (s === FragState.SENT || s === FragState.QUEUED) {
          return true;
        }
        this.#probeFrag++;
      }
      this.#probeMsg++;
      this.#probeFrag = 0;
    }
    return false;
  }

  probeMsg(): OutboundMessage {
    return this.#unacked.at(this.#probeMsg);
  }

  probeFrag(): number {
    return this.#probeFrag;
  }

  popProbe(): void {
    this.#probeFrag++;
  }
}
