import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signJwt, SYSTEM_CALLER, userCaller } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { SessionTokens } from './session-tokens.service.js';
import { expectKaos, openAccountsHarness, TEST_JWT_SECRET, uniq, type AccountsHarness } from './testing/accounts-harness.js';

describe.each(testDialects())(`${SessionTokens.name} on %s`, (dialect) => {
  let h: AccountsHarness;
  beforeAll(async () => {
    h = await openAccountsHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  const signIn = () => h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device'), vars: { region: 'eu' } });

  it('verifies an access token into its user, session, username and vars', async () => {
    const s = await signIn();
    const v = await h.tokens.verifyAccessToken(s.token);
    expect(v).toMatchObject({ userId: s.userId, username: s.username, vars: { region: 'eu' }, expiresAt: s.expiresAt });
    expect(v.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses expired, forged, tampered and wrong-audience tokens', async () => {
    const s = await signIn();
    const v = await h.tokens.verifyAccessToken(s.token);
    const now = Math.floor(h.clock.now() / 1000);
    const claims = { sub: s.userId, sid: v.sessionId, usn: s.username, vars: {}, iat: now, exp: now + 60, aud: 'player' };
    await expectKaos(h.tokens.verifyAccessToken(signJwt(claims, 'another-secret-that-is-long-enough-000')), 'UNAUTHORIZED', 'INVALID_TOKEN');
    await expectKaos(h.tokens.verifyAccessToken(signJwt({ ...claims, aud: 'console' }, TEST_JWT_SECRET)), 'UNAUTHORIZED', 'INVALID_TOKEN');
    const [head, , sig] = s.token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await expectKaos(h.tokens.verifyAccessToken(`${head}.${forgedBody}.${sig}`), 'UNAUTHORIZED', 'INVALID_TOKEN');
    // Correctly signed but for a session that does not exist.
    await expectKaos(h.tokens.verifyAccessToken(signJwt({ ...claims, sid: '00000000-0000-4000-8000-000000000000' }, TEST_JWT_SECRET)), 'UNAUTHORIZED', 'SESSION_REVOKED');
    h.clock.advance(3600 * 1000);
    await expectKaos(h.tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'TOKEN_EXPIRED');
  });

  it('rotates refresh tokens: each works once, and reuse ends the session', async () => {
    const s = await signIn();
    const r1 = await h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken);
    expect(r1).toMatchObject({ userId: s.userId, username: s.username, created: false });
    expect(r1.refreshToken).not.toBe(s.refreshToken);
    const r2 = await h.sut.refreshSession(SYSTEM_CALLER, r1.refreshToken);
    expect((await h.tokens.verifyAccessToken(r2.token)).vars).toEqual({ region: 'eu' });

    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), 'UNAUTHORIZED', 'REFRESH_TOKEN_REUSED');
    // The whole session is over: the latest refresh token and every access token of it.
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, r2.refreshToken), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.tokens.verifyAccessToken(r2.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, 'not-a-token'), 'UNAUTHORIZED', 'INVALID_REFRESH_TOKEN');
  });

  it('lets exactly one of two concurrent refreshes with one token win', async () => {
    const s = await signIn();
    const results = await Promise.allSettled([h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'UNAUTHORIZED', reason: 'REFRESH_TOKEN_REUSED' } });
  });

  it('refuses a refresh token after 7 days', async () => {
    const s = await signIn();
    h.clock.advance(7 * 24 * 3600 * 1000);
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), 'UNAUTHORIZED', 'REFRESH_TOKEN_EXPIRED');
  });

  it('ends the session at logout, for this process and after a restart', async () => {
    const s = await signIn();
    const other = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
    const v = await h.tokens.verifyAccessToken(s.token);
    const restarted = h.restart();
    expect((await restarted.tokens.verifyAccessToken(s.token)).userId).toBe(s.userId); // cached as live there
    await h.sut.logout(userCaller(s.userId, 'rest', { sessionId: v.sessionId }), other.refreshToken);
    await expectKaos(h.tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), 'UNAUTHORIZED', 'SESSION_REVOKED');
    // Another process sees the revocation once its short live-cache entry ages out.
    h.clock.advance(6_000);
    await expectKaos(restarted.tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.restart().tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    // Someone else's refresh token passed at logout is left alone.
    expect((await h.sut.refreshSession(SYSTEM_CALLER, other.refreshToken)).userId).toBe(other.userId);
  });

  it('stops a banned account from signing in or refreshing, ends its sessions, and lets it back after unban', async () => {
    const deviceId = uniq('device');
    const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId });
    await expectKaos(h.sut.banAccount(userCaller(s.userId), s.userId), 'FORBIDDEN');
    const banned = await h.sut.banAccount(SYSTEM_CALLER, s.userId);
    expect(banned.bannedAt).toBe(h.clock.now());
    await expectKaos(h.tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), 'FORBIDDEN', 'ACCOUNT_BANNED');
    await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId }), 'FORBIDDEN', 'ACCOUNT_BANNED');
    expect((await h.sut.unbanAccount(SYSTEM_CALLER, s.userId)).bannedAt).toBeUndefined();
    expect((await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId })).userId).toBe(s.userId);
  });
});
