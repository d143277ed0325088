import { describe, expect, it } from '@jest/globals';
import { signJwt, verifyJwt } from './jwt.js';

const SECRET = 'a-test-secret-that-is-at-least-32-chars';
const NOW = Date.UTC(2026, 0, 1);
const claims = { sub: 'u1', iat: NOW / 1000, exp: NOW / 1000 + 60, aud: 'player' };

describe('jwt', () => {
  it('verifies a token it signed', () => {
    const r = verifyJwt(signJwt(claims, SECRET), SECRET, 'player', NOW);
    expect(r).toEqual({ ok: true, claims });
  });
  it('refuses a token signed with another secret', () => {
    expect(verifyJwt(signJwt(claims, 'another-secret-another-secret-xx'), SECRET, 'player', NOW)).toEqual({ ok: false, reason: 'signature' });
  });
  it('refuses a tampered payload', () => {
    const [h, , s] = signJwt(claims, SECRET).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    expect(verifyJwt(`${h}.${forged}.${s}`, SECRET, 'player', NOW)).toEqual({ ok: false, reason: 'signature' });
  });
  it('refuses alg none and other headers', () => {
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect(verifyJwt(`${none}.${body}.`, SECRET, 'player', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
  it('refuses an expired token and a token for another audience', () => {
    expect(verifyJwt(signJwt(claims, SECRET), SECRET, 'player', NOW + 61_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyJwt(signJwt(claims, SECRET), SECRET, 'console', NOW)).toEqual({ ok: false, reason: 'audience' });
  });
  it('refuses garbage', () => {
    for (const t of ['', 'a.b', 'a.b.c.d', 'x'.repeat(5000), '...']) expect(verifyJwt(t, SECRET, 'player', NOW).ok).toBe(false);
  });
});
