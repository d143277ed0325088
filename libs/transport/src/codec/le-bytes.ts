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

/**
 * Little-endian loads for the per-packet readers, on bytes the caller has bounds-checked. Node's
 * `readUInt16LE` / `readUInt32LE` are looked up on Buffer.prototype at each call site, and V8
 * does not inline that lookup there: the optimized code calls its generic LoadIC per read (seen
 * in the disassembly of the frame reader and the datagram handlers). Element loads need no lookup.
 */
export function getU16(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8);
}

export function getU32(buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
}

const typedArraySet = Uint8Array.prototype.set;

/**
 * `target.set(source, offset)` through a constant: on the per-packet paths V8 left each site's
 * lookup of `set` (and of Buffer's `copy`) generic, a LoadIC per copy (disassembly); a call on a
 * known function needs no lookup. Throws RangeError, as `set` does, when `source` does not fit.
 */
export function copyInto(target: Uint8Array, source: Uint8Array, offset: number): void {
  typedArraySet.call(target, source, offset);
}
