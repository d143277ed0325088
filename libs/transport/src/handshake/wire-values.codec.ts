/**
 * Small wire encodings used by the handshake: IP addresses as 16 bytes (IPv4 as `::ffff:a.b.c.d`,
 * §4.2), UUIDs as 16 bytes, u64 millisecond times.
 */

/** A UDP address as the endpoint sees it (`rinfo.address`, `rinfo.port`). */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

function parseIpv4(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[offset + i] = v;
  }
  return true;
}

function parseGroups(text: string, groups: number[]): boolean {
  if (text === '') return true;
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    groups.push(parseInt(g, 16));
  }
  return true;
}

/**
 * 16-byte form of an IPv4 or IPv6 literal (IPv4 → v4-mapped), or null when `ip` is not an IP
 * literal. A zone suffix (`%eth0`) is ignored.
 *
 * @example
 * ipToBytes('127.0.0.1')?.toString('hex'); // '00000000000000000000ffff7f000001'
 */
export function ipToBytes(ip: string): Buffer | null {
  const out = Buffer.alloc(16);
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  if (text.indexOf(':') < 0) {
    if (!parseIpv4(text, out, 12)) return null;
    out[10] = 0xff;
    out[11] = 0xff;
    return out;
  }
  let body = text;
  let v4: Buffer | null = null;
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) >= 0) {
    v4 = Buffer.alloc(4);
    if (!parseIpv4(body.slice(lastColon + 1), v4, 0)) return null;
    body = body.slice(0, lastColon + 1) + '0:0';
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head: number[] = [];
  const tail: number[] = [];
  if (!parseGroups(halves[0]!, head)) return null;
  if (halves.length === 2 && !parseGroups(halves[1]!, tail)) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i]!, i * 2);
  if (v4) v4.copy(out, 12);
  return out;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** 16 bytes of a UUID string; throws RangeError for anything else. */
export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_RE.test(uuid)) {
    throw new RangeError(`not a UUID: ${uuid}`);
  }
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** Lower-case canonical UUID string of 16 bytes. */
export function bytesToUuid(bytes: Uint8Array, offset = 0): string {
  const h = Buffer.from(bytes.buffer, bytes.byteOffset + offset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Writes a non-negative safe integer as u64 LE. */
export function writeU64(target: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`u64 must be a non-negative safe integer, got ${value}`);
  }
  const lo = value % 0x1_0000_0000;
  const hi = Math.floor(value / 0x1_0000_0000);
  const view = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  view.writeUInt32LE(lo, offset);
  view.writeUInt32LE(hi, offset + 4);
}

/** Reads a u64 LE as a number; values above 2^53 come out approximate but still huge. */
export function readU64(source: Buffer, offset: number): number {
  return source.readUInt32LE(offset) + source.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

/** Byte equality of `a[aOff, aOff+len)` and `b[bOff, bOff+len)` without allocating views. */
export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    if (a[aOff + i] !== b[bOff + i]) return false;
  }
  return true;
}
