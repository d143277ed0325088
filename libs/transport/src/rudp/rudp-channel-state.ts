import { ChannelMode, isReliableMode } from './rudp.constants.js';
import { ReliableReceiver } from './reliable-receiver.js';
import { ReliableSender, type BacklogCounter } from './reliable-sender.js';

/** Outcome of queueing a message (no exceptions on the hot path). */
export const SendStatus = {
  QUEUED: 'queued',
  /** US/U message above MAX_SINGLE (§3.5) or a message above MAX_KT_MESSAGE: refused, never truncated. */
  TOO_LARGE: 'too_large',
  /** Queued, but the reliable backlog is above its limit (§7.2): the session must end `overflow`. */
  OVERFLOW: 'overflow',
  /** Unreliable message refused while detached (GRACE, §4.6) or the connection is closing / closed. */
  DROPPED: 'dropped',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/**
 * Every reliable channel's state of one session (§4.6): send queues with unacked messages and their
 * `msg_id`s, next `msg_id`, receive windows and buffers. A connection owns one; when the connection
 * is lost the endpoint keeps it ({@link RudpConnection.exportChannelState}), may keep queueing
 * reliable messages into it during GRACE ({@link enqueue}), and hands it to the resuming connection
 * ({@link RudpConnection.adopt}).
 */
export class RudpChannelState implements BacklogCounter {
  readonly channelModes: readonly ChannelMode[];
  readonly senders: readonly (ReliableSender | undefined)[];
  readonly receivers: readonly (ReliableReceiver | undefined)[];
  backlogBytes = 0;
  backlogMessages = 0;
  readonly #maxBytes: number;
  readonly #maxMessages: number;
  /** True while held by the endpoint between connections. */
  detached = false;

  constructor(
    channelModes: readonly ChannelMode[],
    msgWindow: number,
    reliableWindowBytes: number,
    maxQueuedOutboundBytes: number,
    maxQueuedOutboundMessages: number,
  ) {
    this.channelModes = channelModes.slice();
    this.#maxBytes = maxQueuedOutboundBytes;
    this.#maxMessages = maxQueuedOutboundMessages;
    const senders: (ReliableSender | undefined)[] = [];
    const receivers: (ReliableReceiver | undefined)[] = [];
    channelModes.forEach((mode, channel) => {
      const reliable = isReliableMode(mode);
      senders.push(reliable ? new ReliableSender(channel, mode, msgWindow, reliableWindowBytes, this) : undefined);
      receivers.push(reliable ? new ReliableReceiver(channel, mode, reliableWindowBytes) : undefined);
    });
    this.senders = senders;
    this.receivers = receivers;
  }

  /** Whether the reliable backlog is above the §7.2 limit. */
  get overflowed(): boolean {
    return this.backlogBytes > this.#maxBytes || this.backlogMessages > this.#maxMessages;
  }

  /**
   * Queues a reliable message while detached (GRACE); unreliable channels drop (§4.6). The caller
   * checks size and channel as for {@link RudpConnection.send}.
   */
  enqueue(channel: number, message: Buffer, now: number): SendStatus {
    const sender = this.senders[channel];
    if (sender === undefined) {
      return SendStatus.DROPPED;
    }
    sender.enqueue(message, now);
    return this.overflowed ? SendStatus.OVERFLOW : SendStatus.QUEUED;
  }

  /** Same channel table? A state can only be adopted by a connection with identical modes. */
  matches(modes: readonly ChannelMode[]): boolean {
    return modes.length === this.channelModes.length && modes.every((m, i) => m === this.channelModes[i]);
  }
}
