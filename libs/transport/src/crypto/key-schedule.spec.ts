import { describe, expect, it } from '@jest/globals';
import { deriveDataKeys, deriveHandshakeKeys, protocolIdBytes } from './key-schedule.js';

const seq = (start: number, n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => start + i));

/** Spec §11 inputs. */
const VECTOR = {
  keyC2s: seq(0x00, 32),
  keyS2c: seq(0x20, 32),
  clientNonce: seq(0x40, 16),
  serverNonce: seq(0x50, 16),
  protocolId: 0x123456789abcdef0n,
};

describe('key schedule (§4.4, §10.14)', () => {
  it('encodes pid8 little-endian', () => {
    expect(protocolIdBytes(VECTOR.protocolId).toString('hex')).toBe('f0debc9a78563412');
    expect(() => protocolIdBytes(-1n)).toThrow(RangeError);
    expect(() => protocolIdBytes(1n << 64n)).toThrow(RangeError);
  });

  it('matches the §11 handshake key vectors', () => {
    const pid8 = protocolIdBytes(VECTOR.protocolId);
    const hs = deriveHandshakeKeys(VECTOR.keyC2s, VECTOR.keyS2c, VECTOR.clientNonce, pid8);
    expect(hs.hsC2s.toString('hex')).toBe('89160f98c243e9234b150074e19352300a5804099987f92ec320b0688c2c41d4');
    expect(hs.hsS2c.toString('hex')).toBe('83f587080516d1df18812820e70031e5b87003b558d8ce113177d21a829401e7');
  });

  it('matches the §11 data key vectors', () => {
    const pid8 = protocolIdBytes(VECTOR.protocolId);
    const keys = deriveDataKeys(VECTOR.keyC2s, VECTOR.keyS2c, VECTOR.clientNonce, VECTOR.serverNonce, pid8);
    expect(keys.c2s.toString('hex')).toBe('863ba7e42f4756d05a020e7a37fcef98cb9b436240712f50c27072e041a81722');
    expect(keys.s2c.toString('hex')).toBe('4b6de5dda8aa8387f0a114ff9dd81165488b90068fcea53f56ed539194ba09f7');
  });

  it('gives new traffic keys for a new server nonce (resume with the same token)', () => {
    const pid8 = protocolIdBytes(VECTOR.protocolId);
    const a = deriveDataKeys(VECTOR.keyC2s, VECTOR.keyS2c, VECTOR.clientNonce, VECTOR.serverNonce, pid8);
    const b = deriveDataKeys(VECTOR.keyC2s, VECTOR.keyS2c, VECTOR.clientNonce, seq(0x60, 16), pid8);
    expect(a.c2s.equals(b.c2s)).toBe(false);
    expect(a.s2c.equals(b.s2c)).toBe(false);
  });

  it('rejects inputs of the wrong size', () => {
    const pid8 = protocolIdBytes(1n);
    expect(() => deriveHandshakeKeys(seq(0, 31), VECTOR.keyS2c, VECTOR.clientNonce, pid8)).toThrow(RangeError);
    expect(() => deriveDataKeys(VECTOR.keyC2s, VECTOR.keyS2c, VECTOR.clientNonce, seq(0, 15), pid8)).toThrow(RangeError);
  });
});
