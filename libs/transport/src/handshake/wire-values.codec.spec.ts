import { describe, expect, it } from '@jest/globals';
import { bytesToUuid, ipToBytes, readU64, uuidToBytes, writeU64 } from './wire-values.codec.js';

describe('wire values', () => {
  it('maps IPv4 to ::ffff:a.b.c.d', () => {
    expect(ipToBytes('127.0.0.1')!.toString('hex')).toBe('00000000000000000000ffff7f000001');
    expect(ipToBytes('::ffff:127.0.0.1')!.equals(ipToBytes('127.0.0.1')!)).toBe(true);
  });

  it('parses IPv6 forms', () => {
    expect(ipToBytes('::1')!.toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipToBytes('::')!.toString('hex')).toBe('0'.repeat(32));
    expect(ipToBytes('2001:db8::8a2e:370:7334')!.toString('hex')).toBe('20010db80000000000008a2e03707334');
    expect(ipToBytes('fe80::1%eth0')!.toString('hex')).toBe('fe800000000000000000000000000001');
    expect(ipToBytes('1:2:3:4:5:6:7:8')!.toString('hex')).toBe('00010002000300040005000600070008');
  });

  it('rejects non-literals', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7::8']) {
      expect(ipToBytes(bad)).toBeNull();
    }
  });

  it('round-trips UUIDs and u64 times', () => {
    const id = '0b6c2f2e-8f3c-4b4e-9a57-2d1b7d0e5a11';
    expect(bytesToUuid(uuidToBytes(id))).toBe(id);
    expect(() => uuidToBytes('nope')).toThrow(RangeError);
    const b = Buffer.alloc(8);
    writeU64(b, 0, 2 ** 52 + 3);
    expect(readU64(b, 0)).toBe(2 ** 52 + 3);
    expect(b.readBigUInt64LE(0)).toBe(BigInt(2 ** 52 + 3));
    expect(() => writeU64(b, 0, -1)).toThrow(RangeError);
  });
});
