import { describe, expect, it } from '@jest/globals';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { encodeEndpoints, issueConnectToken, openConnectToken } from './connect-token.js';
import type { TokenValidationConfig } from './connect-token.js';
import { CONNECT_TOKEN_SIZE, HandshakeDropReason, TokenFlag } from './handshake.constants.js';
import { protocolIdBytes } from '../crypto/key-schedule.js';
import { KEY_RING, OLD_TOKEN_KEY, PROTOCOL_ID, SERVER, SESSION_ID, T0, TOKEN_KEY, USER_ID, issue } from './handshake.test-fixtures.js';

function config(overrides: Partial<TokenValidationConfig> = {}): TokenValidationConfig {
  return {
    pid8: protocolIdBytes(PROTOCOL_ID),
    keys: KEY_RING,
    transportFlag: TokenFlag.UDP,
    publicEndpoints: encodeEndpoints([SERVER]),
    clockSkewMs: 2_000,
    ...overrides,
  };
}

/** Reseals a token's private part after `edit` (to reach checks behind the AEAD). */
function reseal(token: Buffer, key: Buffer, edit: (plain: Buffer) => void): Buffer {
  const opened = openWith(token, key);
  edit(opened);
  const out = Buffer.from(token);
  const c = createCipheriv('chacha20-poly1305', key, out.subarray(18, 30), { authTagLength: 16 });
  c.setAAD(out.subarray(0, 18), { plaintextLength: 256 });
  Buffer.concat([c.update(opened), c.final()]).copy(out, 30);
  c.getAuthTag().copy(out, 286);
  return out;
}

function openWith(token: Buffer, key: Buffer): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, token.subarray(18, 30), { authTagLength: 16 });
  d.setAAD(token.subarray(0, 18), { plaintextLength: 256 });
  d.setAuthTag(token.subarray(286));
  return Buffer.concat([d.update(token.subarray(30, 286)), d.final()]);
}

describe('connect token (§4.2)', () => {
  it('seals 302 B with the public header in clear and opens to the same fields', () => {
    const issued = issue({ idleTimeoutMs: 15_000 });
    const t = issued.token;
    expect(t).toHaveLength(CONNECT_TOKEN_SIZE);
    expect(t[0]).toBe(1);
    expect(t[1]).toBe(2);
    expect(t.readBigUInt64LE(2)).toBe(PROTOCOL_ID);
    expect(Number(t.readBigUInt64LE(10))).toBe(T0 + 60_000);
    const r = openConnectToken(t, config(), T0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.token).toMatchObject({ userId: USER_ID, sessionId: SESSION_ID, issuedAt: T0, expiresAt: T0 + 60_000, idleTimeoutMs: 15_000, flags: 3, keyId: 2 });
    expect(r.token.keyC2s.equals(issued.keyC2s)).toBe(true);
    expect(r.token.keyS2c.equals(issued.keyS2c)).toBe(true);
    expect(r.token.tag.equals(t.subarray(286))).toBe(true);
    const plain = openWith(t, TOKEN_KEY);
    expect(plain[110]).toBe(1);
    expect(plain.subarray(112, 128).toString('hex')).toBe('00000000000000000000ffffcb007107');
    expect(plain.readUInt16LE(128)).toBe(7350);
  });

  it('uses given client keys and refuses bad issue inputs', () => {
    const keyC2s = Buffer.alloc(32, 3);
    expect(issue({ keyC2s }).keyC2s.equals(keyC2s)).toBe(true);
    expect(() => issue({ lifetimeMs: 300_001 })).toThrow(RangeError);
    expect(() => issue({ endpoints: [] })).toThrow(RangeError);
    expect(() => issue({ endpoints: new Array(9).fill(SERVER) })).toThrow(RangeError);
    expect(() => issue({ flags: 0 })).toThrow(RangeError);
    expect(() => issue({ flags: 4 | TokenFlag.UDP })).toThrow(RangeError);
    expect(() => issue({ endpoints: [{ ip: 'game.example', port: 1 }] })).toThrow(RangeError);
    expect(() => issue({ userId: 'x' })).toThrow(RangeError);
    expect(() => issue({ keyId: 256 })).toThrow(RangeError);
    expect(issue({ lifetimeMs: 300_000 }).expiresAt).toBe(T0 + 300_000);
  });

  it('KT-26 drops expired tokens, honouring 2,000 ms of clock skew', () => {
    const t = issue().token;
    expect(openConnectToken(t, config(), T0 + 61_999).ok).toBe(true);
    expect(openConnectToken(t, config(), T0 + 62_000)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_EXPIRED });
  });

  it('accepts the current and the previous key_id, drops any other', () => {
    expect(openConnectToken(issue({ keyId: 1, tokenKey: OLD_TOKEN_KEY }).token, config(), T0).ok).toBe(true);
    expect(openConnectToken(issue({ keyId: 3 }).token, config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_KEY_ID });
    expect(openConnectToken(issue({ keyId: 1, tokenKey: TOKEN_KEY }).token, config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_AEAD });
    const rotated = config({ keys: { current: { keyId: 3, key: Buffer.alloc(32, 3) }, previous: KEY_RING.current } });
    expect(openConnectToken(issue().token, rotated, T0).ok).toBe(true);
    expect(openConnectToken(issue({ keyId: 1, tokenKey: OLD_TOKEN_KEY }).token, rotated, T0).ok).toBe(false);
  });

  it('drops wrong version, protocol_id and size', () => {
    const t = Buffer.from(issue().token);
    t[0] = 2;
    expect(openConnectToken(t, config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_VERSION });
    expect(openConnectToken(issue({ protocolId: 1n }).token, config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_PROTOCOL_ID });
    expect(openConnectToken(issue().token.subarray(0, 301), config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.SIZE });
  });

  it('KT-26 drops a token with any single bit flipped', () => {
    const t = issue().token;
    for (let bit = 0; bit < CONNECT_TOKEN_SIZE * 8; bit++) {
      const bad = Buffer.from(t);
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      const r = openConnectToken(bad, config(), T0);
      expect(r.ok).toBe(false);
    }
  });

  it('drops tokens not listing this server or not allowing this transport', () => {
    expect(openConnectToken(issue({ endpoints: [{ ip: '203.0.113.7', port: 7351 }] }).token, config(), T0)).toEqual({
      ok: false,
      reason: HandshakeDropReason.TOKEN_ENDPOINT,
    });
    const many = issue({ endpoints: [{ ip: '10.0.0.1', port: 1 }, { ip: '::1', port: 2 }, SERVER] }).token;
    expect(openConnectToken(many, config(), T0).ok).toBe(true);
    expect(openConnectToken(issue({ flags: TokenFlag.WS }).token, config(), T0)).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_TRANSPORT });
    expect(openConnectToken(issue({ flags: TokenFlag.WS }).token, config({ transportFlag: TokenFlag.WS }), T0).ok).toBe(true);
  });

  it('drops reserved bytes, unknown flag bits, bad addr_count and stray address bytes (resealed)', () => {
    const t = issue().token;
    const cases: [(p: Buffer) => void, string][] = [
      [(p) => (p[111] = 1), HandshakeDropReason.TOKEN_RESERVED],
      [(p) => p.writeUInt16LE(0x0005, 108), HandshakeDropReason.TOKEN_RESERVED],
      [(p) => (p[110] = 0), HandshakeDropReason.TOKEN_ADDR_COUNT],
      [(p) => (p[110] = 9), HandshakeDropReason.TOKEN_ADDR_COUNT],
      [(p) => (p[255] = 1), HandshakeDropReason.TOKEN_RESERVED],
    ];
    for (const [edit, reason] of cases) {
      expect(openConnectToken(reseal(t, TOKEN_KEY, edit), config(), T0)).toEqual({ ok: false, reason });
    }
    expect(openConnectToken(reseal(t, TOKEN_KEY, () => undefined), config(), T0).ok).toBe(true);
  });

  it('asks the isRevoked hook with the session id', () => {
    const seen: string[] = [];
    const r = openConnectToken(issue().token, config({ isRevoked: (s) => (seen.push(s), true) }), T0);
    expect(r).toEqual({ ok: false, reason: HandshakeDropReason.TOKEN_REVOKED });
    expect(seen).toEqual([SESSION_ID]);
  });

  it('gives a fresh random nonce, keys and tag per token', () => {
    const a = issueConnectToken({ userId: USER_ID, sessionId: SESSION_ID, idleTimeoutMs: 0, flags: 1, endpoints: [SERVER], protocolId: PROTOCOL_ID, keyId: 2, tokenKey: TOKEN_KEY, now: T0 });
    const b = issueConnectToken({ userId: USER_ID, sessionId: SESSION_ID, idleTimeoutMs: 0, flags: 1, endpoints: [SERVER], protocolId: PROTOCOL_ID, keyId: 2, tokenKey: TOKEN_KEY, now: T0 });
    expect(a.token.subarray(18, 30).equals(b.token.subarray(18, 30))).toBe(false);
    expect(a.keyC2s.equals(b.keyC2s)).toBe(false);
  });
});
