import { copyInto, putU16 } from '../codec/le-bytes.js';
import {
  ChannelMode,
  CLOSE_FRAME_SIZE,
  FRAG_HEADER_SIZE,
  FrameType,
  PATH_DATA_SIZE,
  PATH_FRAME_SIZE,
  WELCOME_BASE_SIZE,
} from './rudp.constants.js';

/** Frame encoders (§3.3). Each writes at `offset` and returns the offset after the frame. */

export function writePing(buf: Buffer, offset: number): number {
  buf[offset] = FrameType.PING;
  return offset + 1;
}

export function writeClose(buf: Buffer, offset: number, reason: number): number {
  buf[offset] = FrameType.CLOSE;
  buf[offset + 1] = reason;
  return offset + CLOSE_FRAME_SIZE;
}

export function writePathFrame(buf: Buffer, offset: number, type: number, data: Buffer): number {
  buf[offset] = type;
  data.copy(buf, offset + 1, 0, PATH_DATA_SIZE);
  return offset + PATH_FRAME_SIZE;
}

export interface WelcomeFields {
  resumed: boolean;
  serverTime: number;
  idleTimeoutMs: number;
  keepaliveMs: number;
  maxAckDelayMs: number;
  graceMs: number;
  channelModes: readonly ChannelMode[];
}

export function welcomeSize(channelCount: number): number {
  return WELCOME_BASE_SIZE + channelCount;
}

export function writeWelcome(buf: Buffer, offset: number, w: WelcomeFields): number {
  buf[offset] = FrameType.WELCOME;
  buf[offset + 1] = w.resumed ? 1 : 0;
  buf.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(w.serverTime))), offset + 2);
  buf.writeUInt32LE(Math.min(0xffff_ffff, w.idleTimeoutMs), offset + 10);
  buf.writeUInt16LE(Math.min(0xffff, w.keepaliveMs), offset + 14);
  buf.writeUInt16LE(Math.min(0xffff, w.maxAckDelayMs), offset + 16);
  buf.writeUInt32LE(Math.min(0xffff_ffff, w.graceMs), offset + 18);
  buf[offset + 22] = w.channelModes.length;
  for (let i = 0; i < w.channelModes.length; i++) {
    buf[offset + WELCOME_BASE_SIZE + i] = w.channelModes[i];
  }
  return offset + WELCOME_BASE_SIZE + w.channelModes.length;
}

/** MSG frame size for a serialized KaosTalk message of `size` bytes. */
export function msgFrameSize(mode: ChannelMode, size: number): number {
  return (mode === ChannelMode.UNRELIABLE ? 1 : 3) + size;
}

export function writeMsg(
  buf: Buffer,
  offset: number,
  channel: number,
  mode: ChannelMode,
  msgId: number,
  message: Buffer,
): number {
  buf[offset++] = FrameType.MSG | channel;
  if (mode !== ChannelMode.UNRELIABLE) {
    putU16(buf, offset, msgId);
    offset += 2;
  }
  copyInto(buf, message, offset);
  return offset + message.length;
}

export function writeFrag(
  buf: Buffer,
  offset: number,
  channel: number,
  msgId: number,
  index: number,
  count: number,
  chunk: Buffer,
): number {
  buf[offset] = FrameType.FRAG | channel;
  putU16(buf, offset + 1, msgId);
  buf[offset + 3] = index;
  buf[offset + 4] = count;
  putU16(buf, offset + 5, chunk.length);
  copyInto(buf, chunk, offset + FRAG_HEADER_SIZE);
  return offset + FRAG_HEADER_SIZE + chunk.length;
}
