import { ChannelMode } from './rudp.constants.js';
import { writeFrag, writeMsg, msgFrameSize } from './frame-writer.js';
import type { OutboundMessage } from './outbound-message.js';
import type { CarriedFrames } from './sent-packet-tracker.js';
import type { ReliableSender } from './reliable-sender.js';
import type { RudpChannelState } from './rudp-channel-state.js';
import type { UnreliableQueue } from './unreliable-queue.js';

/** Frames written into one packet, and what they carried (for the sent-packet record). */
export class PacketContents implements CarriedFrames {
  offset = 0;
  limit = 0;
  frames = 0;
  maxFrames = 64;
  msg: OutboundMessage | undefined;
  frag = 0;
  moreMsgs: OutboundMessage[] | undefined;
  moreFrags: number[] | undefined;

  reset(offset: number, limit: number, maxFrames: number): void {
    this.offset = offset;
    this.limit = limit;
    this.frames = 0;
    this.maxFrames = maxFrames;
    this.msg = undefined;
    this.frag = 0;
    this.moreMsgs = undefined;
    this.moreFrags = undefined;
  }

  fits(size: number): boolean {
    return this.frames < this.maxFrames && this.offset + size <= this.limit;
  }

  record(msg: OutboundMessage, frag: number): void {
    if (this.msg === undefined) {
      this.msg = msg;
      this.frag = frag;
    } else if (this.moreMsgs === undefined || this.moreFrags === undefined) {
      this.moreMsgs = [msg];
      this.moreFrags = [frag];
    } else {
      this.moreMsgs.push(msg);
      this.moreFrags.push(frag);
    }
  }
}

/**
 * Chooses the MSG / FRAG frames of a packet (§3.4 scheduling, §10.11): channel-0 retransmissions,
 * new channel-0 messages, other channels' retransmissions, then the other channels' new messages
 * round-robin by message. A frame that does not fit ends the packet, so order is kept.
 * PTO probes first carry the oldest unacked reliable frames (§3.7).
 */
export class FrameScheduler {
  #rr = 1;
  /** Serialized bytes of reliable fragments sent for the first time / again. */
  reliableBytesSent = 0;
  retransmittedBytes = 0;
  unreliableSent = 0;

  /** Starts a PTO probe round: the probe walk restarts at each channel's oldest unacked fragment. */
  beginProbe(state: RudpChannelState): void {
    for (const sender of state.senders) {
      sender?.resetProbe();
    }
  }

  /** Writes data frames into `buf` at `p.offset` until the budget, the frame cap or the queues run out. */
  fill(
    buf: Buffer,
    p: PacketContents,
    state: RudpChannelState,
    unreliable: readonly (UnreliableQueue | undefined)[],
    probe: boolean,
  ): void {
    const senders = state.senders;
    const ch0 = senders[0] as ReliableSender;
    if (probe) {
      for (const sender of senders) {
        if (sender !== undefined && !this.#probeFrames(buf, p, sender)) {
          return;
        }
      }
    }
    if (!this.#retransmits(buf, p, ch0) || !this.#fresh(buf, p, ch0)) {
      return;
    }
    for (let c = 1; c < senders.length; c++) {
      const sender = senders[c];
      if (sender !== undefined && !this.#retransmits(buf, p, sender)) {
        return;
      }
    }
    const n = senders.length;
    if (n <= 1) {
      return;
    }
    let idle = 0;
    while (idle < n - 1) {
      const c = this.#rr;
      const sender = senders[c];
      const queue = unreliable[c];
      let sent: number;
      if (sender !== undefined) {
        sent = sender.hasFresh() ? this.#freshOne(buf, p, sender) : 0;
      } else if (queue !== undefined && queue.length > 0) {
        sent = this.#unreliableOne(buf, p, queue, state.channelModes[c]);
      } else {
        sent = 0;
      }
      if (sent < 0) {
        return;
      }
      idle = sent === 0 ? idle + 1 : 0;
      this.#rr = c + 1 >= n ? 1 : c + 1;
    }
  }

  #emit(buf: Buffer, p: PacketContents, sender: ReliableSender, msg: OutboundMessage, frag: number): boolean {
    const size = sender.frameSize(msg, frag);
    if (!p.fits(size)) {
      return false;
    }
    p.offset = msg.fragmented
      ? writeFrag(buf, p.offset, sender.channel, msg.msgId, frag, msg.fragCount, msg.chunk(frag))
      : writeMsg(buf, p.offset, sender.channel, sender.mode, msg.msgId, msg.bytes);
    p.frames++;
    if (msg.state[2 * msg.fragCount + frag] === 1) {
      this.retransmittedBytes += msg.chunkLength(frag);
    } else {
      this.reliableBytesSent += msg.chunkLength(frag);
    }
    sender.onFrameSent(msg, frag);
    p.record(msg, frag);
    return true;
  }

  #probeFrames(buf: Buffer, p: PacketContents, sender: ReliableSender): boolean {
    while (sender.nextProbe()) {
      if (!this.#emit(buf, p, sender, sender.probeMsg(), sender.probeFrag())) {
        return false;
      }
      sender.popProbe();
    }
    return true;
  }

  #retransmits(buf: Buffer, p: PacketContents, sender: ReliableSender): boolean {
    while (sender.hasRetransmit()) {
      if (!this.#emit(buf, p, sender, sender.retransmitMsg(), sender.retransmitFrag())) {
        return false;
      }
      sender.popRetransmit();
    }
    return true;
  }

  /** All new frames of a channel (channel 0). */
  #fresh(buf: Buffer, p: PacketContents, sender: ReliableSender): boolean {
    while (sender.hasFresh()) {
      if (!this.#emit(buf, p, sender, sender.freshMsg(), sender.freshFrag())) {
        return false;
      }
      sender.popFresh();
    }
    return true;
  }

  /** The rest of the channel's current new message; −1 when a frame did not fit, else frames sent. */
  #freshOne(buf: Buffer, p: PacketContents, sender: ReliableSender): number {
    const msg = sender.freshMsg();
    let sent = 0;
    while (sender.hasFresh() && sender.freshMsg() === msg) {
      if (!this.#emit(buf, p, sender, msg, sender.freshFrag())) {
        return -1;
      }
      sender.popFresh();
      sent++;
    }
    return sent;
  }

  #unreliableOne(buf: Buffer, p: PacketContents, queue: UnreliableQueue, mode: ChannelMode): number {
    const msg = queue.peek() as Buffer;
    if (!p.fits(msgFrameSize(mode, msg.length))) {
      return -1;
    }
    p.offset = writeMsg(buf, p.offset, queue.channel, mode, queue.peekMsgId(), msg);
    p.frames++;
    queue.pop();
    this.unreliableSent++;
    return 1;
  }
}
