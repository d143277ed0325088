/**
 * Little-endian stores for the per-packet writers (ACK, MSG and FRAG frames). Node's
 * `writeUInt16LE` / `writeUInt32LE` validate value and offset through JS validators on every call
 * (≈ 1.5 % of an RUDP echo round trip's CPU, perf); these writers size every frame before writing
 * it (`PacketContents.fits`, the ACK budget), so the checks are dead weight there. Values are
 * truncated to their width, as the wire field is. Decoders keep Node's readers, which are cheap.
 */
export function putU16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
}

export function putU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
  buf[offset + 2] = (value >>> 16) & 0xff;
  buf[offset + 3] = (value >>> 24) & 0xff;
}
