/**
 * DATA packet header (spec §3.1, §3.2): `flags` 0x40 ‖ `conn_id` u32 LE ‖ `pn` u32 LE, then the
 * AEAD ciphertext of the frames and the 16-byte Poly1305 tag. Handshake datagram type bytes live
 * here too so the endpoint can route on byte 0 with one table.
 */

/** Byte 0 of each datagram type (§3.1): version 01, type in bits 5–3, bits 2–0 zero. */
export const PacketType = {
  DATA: 0x40,
  HELLO: 0x48,
  CHALLENGE: 0x50,
  RESPONSE: 0x58,
  DENIED: 0x60,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

export const DATA_HEADER_SIZE = 9;
export const DATA_TAG_SIZE = 16;
/** Smallest DATA packet: header + 1 B ciphertext + tag. */
export const MIN_DATA_PACKET = DATA_HEADER_SIZE + 1 + DATA_TAG_SIZE;
/** `MAX_UDP_PAYLOAD` (§3.1). */
export const MAX_UDP_PAYLOAD = 1_200;
/** `MAX_PLAINTEXT` = 1,200 − 9 − 16 (§3.2). */
export const MAX_PLAINTEXT = MAX_UDP_PAYLOAD - DATA_HEADER_SIZE - DATA_TAG_SIZE;
/** The sender closes with PN_EXHAUSTED before `pn` reaches this value (§3.2). */
export const PN_LIMIT = 0xffff_fff0;

/** Nonce direction byte (§3.2). */
export const Direction = {
  C2S: 0x00,
  S2C: 0x01,
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** Step (1) of the receive order: size 26–1,200 and byte 0 = 0x40 (§3.2). */
export function isDataPacket(packet: Uint8Array): boolean {
  return packet.length >= MIN_DATA_PACKET && packet.length <= MAX_UDP_PAYLOAD && packet[0] === PacketType.DATA;
}

/** `conn_id` of a DATA packet (caller checked the size). */
export function readConnId(packet: Uint8Array): number {
  return (packet[1]! | (packet[2]! << 8) | (packet[3]! << 16) | (packet[4]! << 24)) >>> 0;
}

/** `pn` of a DATA packet (caller checked the size). */
export function readPacketNumber(packet: Uint8Array): number {
  return (packet[5]! | (packet[6]! << 8) | (packet[7]! << 16) | (packet[8]! << 24)) >>> 0;
}

/** Writes the 9-byte header at `offset`. */
export function writeDataHeader(target: Uint8Array, offset: number, connId: number, pn: number): void {
  target[offset] = PacketType.DATA;
  target[offset + 1] = connId & 0xff;
  target[offset + 2] = (connId >>> 8) & 0xff;
  target[offset + 3] = (connId >>> 16) & 0xff;
  target[offset + 4] = connId >>> 24;
  target[offset + 5] = pn & 0xff;
  target[offset + 6] = (pn >>> 8) & 0xff;
  target[offset + 7] = (pn >>> 16) & 0xff;
  target[offset + 8] = pn >>> 24;
}

/** A new 9-byte header. */
export function encodeDataHeader(connId: number, pn: number): Buffer {
  const out = Buffer.allocUnsafe(DATA_HEADER_SIZE);
  writeDataHeader(out, 0, connId, pn);
  return out;
}
