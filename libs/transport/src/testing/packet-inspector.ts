import { FrameReader } from '../rudp/frame-reader.js';
import type { PacketCipher } from '../rudp/rudp-connection.types.js';
import { ChannelMode, DEFAULT_CHANNEL_MODES, FrameType } from '../rudp/rudp.constants.js';
import { openDatagram } from './test-packet-cipher.js';

/** One decoded frame, as plain data for assertions. */
export interface InspectedFrame {
  type: number;
  channel?: number;
  msgId?: number;
  fragIndex?: number;
  fragCount?: number;
  chunkLength?: number;
  message?: Buffer;
  closeReason?: number;
  pathData?: Buffer;
  /** ACK: every pn the frame acknowledges. */
  acked?: number[];
  ackLargest?: number;
}

export interface InspectedPacket {
  connId: number;
  pn: number;
  size: number;
  frames: InspectedFrame[];
  ackEliciting: boolean;
}

/**
 * Opens a DATA datagram with the receiving side's cipher and decodes its frames (test oracle for
 * conformance checks). Returns null when the datagram does not authenticate.
 */
export function inspectPacket(
  cipher: PacketCipher,
  datagram: Buffer,
  modes: readonly ChannelMode[] = DEFAULT_CHANNEL_MODES,
): InspectedPacket | null {
  const opened = openDatagram(cipher, datagram);
  if (opened === null) {
    return null;
  }
  const r = new FrameReader();
  r.reset(opened.plaintext, modes, 64);
  const frames: InspectedFrame[] = [];
  let ackEliciting = false;
  while (r.next()) {
    const f: InspectedFrame = { type: r.type };
    if (r.type >= FrameType.MSG) {
      f.channel = r.channel;
      if (r.type < FrameType.FRAG) {
        f.msgId = modes[r.channel] === ChannelMode.UNRELIABLE ? undefined : r.msgId;
        f.message = Buffer.from(r.message);
      } else {
        f.msgId = r.msgId;
        f.fragIndex = r.fragIndex;
        f.fragCount = r.fragCount;
        f.chunkLength = r.chunk.length;
      }
    } else if (r.type === FrameType.ACK) {
      f.ackLargest = r.ackLargest;
      f.acked = expandAck(r);
    } else if (r.type === FrameType.CLOSE) {
      f.closeReason = r.closeReason;
    } else if (r.type === FrameType.PATH_CHALLENGE || r.type === FrameType.PATH_RESPONSE) {
      f.pathData = Buffer.from(r.pathData);
    } else if (r.type === FrameType.WELCOME && r.welcome !== undefined) {
      r.setModes(r.welcome.channelModes);
      modes = r.welcome.channelModes;
    }
    if (r.type !== FrameType.ACK && r.type !== FrameType.PADDING && r.type !== FrameType.CLOSE) {
      ackEliciting = true;
    }
    frames.push(f);
  }
  return { connId: opened.connId, pn: opened.pn, size: datagram.length, frames, ackEliciting };
}

function expandAck(r: FrameReader): number[] {
  const out = [r.ackLargest];
  for (let i = 0; i < 64; i++) {
    const bit = i < 32 ? (r.ackBitmapLo >>> i) & 1 : (r.ackBitmapHi >>> (i - 32)) & 1;
    if (bit === 1) {
      out.push(r.ackLargest - 1 - i);
    }
  }
  let cursor = r.ackLargest - 64;
  for (let i = 0; i < r.ackRangeCount; i++) {
    const hi = cursor - 1 - r.ackGaps[i];
    const lo = hi - r.ackLengths[i] + 1;
    for (let p = hi; p >= lo; p--) {
      out.push(p);
    }
    cursor = lo;
  }
  return out;
}
