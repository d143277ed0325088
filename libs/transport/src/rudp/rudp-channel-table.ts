import { RudpChannelState, SendStatus } from './rudp-channel-state.js';
import type { RudpConnectionListener } from './rudp-connection.types.js';
import { ChannelMode, MAX_SINGLE, isReliableMode } from './rudp.constants.js';
import type { RudpLimits } from './rudp.options.js';
import { UnreliableQueue } from './unreliable-queue.js';

/**
 * The channel table in force on one connection: modes, reliable state (detachable for GRACE,
 * §4.6), unreliable queues, and messages a client holds until WELCOME tells it the table (§10.1).
 * {@link RudpConnection} decides when the members are replaced (WELCOME with other modes, export,
 * adopt); its packet builder, frame handler and timers hold this same object and read the members
 * when they use them, so a listener that exports or adopts state in the middle of a packet or a
 * timer run is seen at once, as before the connection was split.
 */
export class RudpChannelTable {
  readonly #limits: RudpLimits;
  readonly #listener: RudpConnectionListener;
  #modes: readonly ChannelMode[];
  #reliable: RudpChannelState;
  #unreliable: (UnreliableQueue | undefined)[] = [];
  #held: { channel: number; message: Buffer }[] = [];
  #overflowSignalled = false;

  constructor(limits: RudpLimits, listener: RudpConnectionListener) {
    this.#limits = limits;
    this.#listener = listener;
    this.#modes = limits.channelModes;
    this.#reliable = this.#newReliable();
    this.#resetUnreliable();
  }

  get modes(): readonly ChannelMode[] {
    return this.#modes;
  }

  get reliable(): RudpChannelState {
    return this.#reliable;
  }

  /** Indexed by channel; undefined for reliable channels. */
  get unreliable(): readonly (UnreliableQueue | undefined)[] {
    return this.#unreliable;
  }

  /**
   * Queues on a channel of this table; the caller checked channel, size and state. Reliable
   * messages are never dropped: above the backlog limit OVERFLOW is returned and `onOverflow` fires once.
   */
  enqueue(channel: number, mode: ChannelMode, message: Buffer, now: number): SendStatus {
    if (!isReliableMode(mode)) {
      (this.#unreliable[channel] as UnreliableQueue).push(message, now);
      return SendStatus.QUEUED;
    }
    const reliable = this.#reliable;
    reliable.enqueue(channel, message, now);
    if (reliable.overflowed) {
      if (!this.#overflowSignalled) {
        this.#overflowSignalled = true;
        this.#listener.onOverflow?.(reliable.backlogBytes, reliable.backlogMessages);
      }
      return SendStatus.OVERFLOW;
    }
    return SendStatus.QUEUED;
  }

  /** Client before WELCOME: keeps the message until the real table is known. */
  hold(channel: number, message: Buffer): void {
    this.#held.push({ channel, message });
  }

  /** After WELCOME: queues the held messages that still fit the table, in send order. */
  releaseHeld(now: number): void {
    const held = this.#held;
    this.#held = [];
    for (const { channel, message } of held) {
      if (channel < this.#modes.length) {
        const mode = this.#modes[channel];
        if (isReliableMode(mode) || message.length <= MAX_SINGLE) {
          this.enqueue(channel, mode, message, now);
        }
      }
    }
  }

  /** WELCOME: switches to the server's table when it differs; returns whether it did. */
  useModes(modes: ChannelMode[]): boolean {
    const current = this.#modes;
    if (modes.length === current.length && modes.every((m, i) => m === current[i])) {
      return false;
    }
    this.#modes = modes;
    this.#reliable = this.#newReliable();
    this.#resetUnreliable();
    return true;
  }

  /** Hands the reliable state out (GRACE) and continues with an empty one. */
  detachReliable(): RudpChannelState {
    const state = this.#reliable;
    state.detached = true;
    this.#reliable = this.#newReliable();
    return state;
  }

  /** Takes over a previous connection's reliable state (resume); see `RudpConnection.adopt`. */
  adopt(state: RudpChannelState): void {
    if (!state.matches(this.#modes)) {
      throw new RangeError('adopted channel state has a different channel table');
    }
    if (this.#reliable.backlogMessages > 0) {
      throw new Error('adopt() after reliable messages were queued on this connection');
    }
    state.detached = false;
    this.#reliable = state;
    for (const sender of state.senders) {
      sender?.requeueAllInFlight();
    }
    this.#overflowSignalled = state.overflowed;
  }

  /** Closing or lost: unreliable and held messages are dropped; reliable state stays for export. */
  discardUnsent(): void {
    for (const queue of this.#unreliable) {
      queue?.clear();
    }
    this.#held = [];
  }

  /** Age of the oldest message not yet sent (ms). */
  queueDelay(now: number): number {
    let queueDelay = 0;
    for (const sender of this.#reliable.senders) {
      if (sender !== undefined) {
        queueDelay = Math.max(queueDelay, sender.oldestUnsentAge(now));
      }
    }
    for (const queue of this.#unreliable) {
      if (queue !== undefined) {
        queueDelay = Math.max(queueDelay, queue.oldestAge(now));
      }
    }
    return queueDelay;
  }

  /** Out-of-order messages and partial reassemblies held by the reliable receivers. */
  receiveBufferedBytes(): number {
    let receiveBuffered = 0;
    for (const receiver of this.#reliable.receivers) {
      receiveBuffered += receiver?.bufferedBytes ?? 0;
    }
    return receiveBuffered;
  }

  #newReliable(): RudpChannelState {
    const l = this.#limits;
    return new RudpChannelState(this.#modes, l.msgWindow, l.reliableWindowBytes, l.maxQueuedOutboundBytes, l.maxQueuedOutboundMessages);
  }

  #resetUnreliable(): void {
    this.#unreliable = this.#modes.map((mode, channel) =>
      isReliableMode(mode) ? undefined : new UnreliableQueue(channel, mode === ChannelMode.UNRELIABLE_SEQUENCED),
    );
  }
}
