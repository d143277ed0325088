/** RUDP packet-layer constants (KaosTalk spec §3, §8). Limits that may be tuned live in {@link RudpOptions}. */

export { MAX_KT_MESSAGE, MAX_SINGLE } from '../codec/kaostalk.constants.js';

/** Byte 0 of a DATA datagram (§3.1). */
export const DATA_FLAGS = 0x40;
/** Header: flags u8, conn_id u32, pn u32 (§3.2). */
export const HEADER_SIZE = 9;
/** Poly1305 tag (§3.2). */
export const TAG_SIZE = 16;
export const MAX_UDP_PAYLOAD = 1_200;
/** 1,200 − 9 − 16 (§3.2). */
export const MAX_PLAINTEXT = MAX_UDP_PAYLOAD - HEADER_SIZE - TAG_SIZE;
/** Smallest DATA datagram: header, one plaintext byte, tag (§3.1). */
export const MIN_DATA_PACKET = HEADER_SIZE + 1 + TAG_SIZE;
/** Chunk size of every FRAG frame but the last (§3.5). */
export const FRAG_CHUNK = 1_100;
export const MAX_FRAGMENTS = 60;
export const MAX_CHANNELS = 16;
export const MAX_ACK_RANGES = 8;
/** Bits in the ACK frame's bitmap (§3.3). */
export const ACK_BITMAP_BITS = 64;
export const REPLAY_WINDOW = 1_024;
/** First packet number the sender must never reach (§3.2). */
export const PN_LIMIT = 0xffff_fff0;
/** Serial-number space of `msg_id` (§3.4). */
export const MSG_ID_SPACE = 0x1_0000;
export const MSG_ID_MASK = 0xffff;
/** Receive-window width for RO/RU `msg_id`s (§3.4). */
export const RECEIVE_WINDOW = 1_024;
/** Unit of the ACK frame's `ack_delay` field, in ms (32 µs, §3.3). */
export const ACK_DELAY_UNIT_MS = 0.032;
export const CLOSE_REPEATS = 3;

/** RFC 9002 constants (§3.7). */
export const K_PACKET_THRESHOLD = 3;
export const K_TIME_THRESHOLD = 9 / 8;
export const K_GRANULARITY_MS = 1;
export const K_INITIAL_RTT_MS = 333;
export const K_PERSISTENT_CONGESTION_THRESHOLD = 3;

/** Frame type bytes (§3.3). */
export const FrameType = {
  PADDING: 0x00,
  ACK: 0x01,
  PING: 0x02,
  CLOSE: 0x03,
  WELCOME: 0x04,
  PATH_CHALLENGE: 0x05,
  PATH_RESPONSE: 0x06,
  /** MSG frames are 0x10 | channel. */
  MSG: 0x10,
  /** FRAG frames are 0x20 | channel. */
  FRAG: 0x20,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Fixed frame sizes (§3.3). */
export const ACK_FRAME_BASE_SIZE = 16;
export const ACK_RANGE_SIZE = 4;
export const WELCOME_BASE_SIZE = 23;
export const PATH_FRAME_SIZE = 9;
export const PATH_DATA_SIZE = 8;
export const CLOSE_FRAME_SIZE = 2;
export const FRAG_HEADER_SIZE = 7;

/** Channel delivery modes, as announced in WELCOME (§3.3, §3.4). */
export const ChannelMode = {
  RELIABLE_ORDERED: 0,
  RELIABLE_UNORDERED: 1,
  UNRELIABLE_SEQUENCED: 2,
  UNRELIABLE: 3,
} as const;
export type ChannelMode = (typeof ChannelMode)[keyof typeof ChannelMode];

/** Default channel table (§3.4): 0 RO, 1 RO, 2 RU, 3 US, 4 U. */
export const DEFAULT_CHANNEL_MODES: readonly ChannelMode[] = [
  ChannelMode.RELIABLE_ORDERED,
  ChannelMode.RELIABLE_ORDERED,
  ChannelMode.RELIABLE_UNORDERED,
  ChannelMode.UNRELIABLE_SEQUENCED,
  ChannelMode.UNRELIABLE,
];

export function isReliableMode(mode: ChannelMode): boolean {
  return mode === ChannelMode.RELIABLE_ORDERED || mode === ChannelMode.RELIABLE_UNORDERED;
}

/** `(a − b) mod 2^16`: serial-number distance of two `msg_id`s (§3.4). */
export function msgIdDistance(a: number, b: number): number {
  return (a - b) & MSG_ID_MASK;
}
