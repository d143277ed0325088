import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KaosError, signJwt } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { AdminAuthService } from './admin-auth.service.js';
import { consolePrincipal, freshUsername, KIT_JWT_SECRET, openAdminKit, type AdminKit } from './testing/admin-test-kit.js';

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; reason?: string; message: string; retryAfterMs?: number } | 'OK'> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (!(error instanceof KaosError)) throw error;
    return { code: error.code, reason: error.reason, message: error.message, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) };
  }
}

const admin = consolePrincipal('admin');
const MIN = 60_000;

describe.each(testDialects())(`${AdminAuthService.name} on %s`, (dialect) => {
  let kit: AdminKit;
  let sut: AdminAuthService;
  const newUser = async (role: 'admin' | 'developer' | 'viewer' = 'viewer') => {
    const username = freshUsername();
    const user = await kit.users.createUser(admin, { username, password: 'password-123', role });
    return { ...user, password: 'password-123' };
  };
  beforeAll(async () => {
    kit = await openAdminKit(dialect);
    sut = kit.auth;
    await kit.users.bootstrapAdmin();
  });
  afterAll(async () => kit.close());

  describe('login', () => {
    it('signs the bootstrap admin in with a console-audience token that authenticates', async () => {
      const result = await sut.login('root', 'root-password-123');
      expect(result.user).toEqual(expect.objectContaining({ username: 'root', role: 'admin' }));
      expect(result.expiresAt).toBe(kit.clock.now() + 8 * 3600 * 1000);
      const claims = JSON.parse(Buffer.from(result.token.split('.')[1]!, 'base64url').toString());
      expect(claims.aud).toBe('console');
      const principal = await sut.authenticate(`Bearer ${result.token}`);
      expect(principal).toEqual({ kind: 'console-user', id: result.user.id, username: 'root', role: 'admin', actor: `console-user:${result.user.id}` });
    });

    it('matches the username regardless of case', async () => {
      const u = await newUser();
      expect((await sut.login(u.username.toUpperCase(), u.password)).user.id).toBe(u.id);
    });

    it('answers unknown user, wrong password and disabled user identically', async () => {
      const u = await newUser();
      const d = await newUser();
      await kit.users.updateUser(admin, d.id, { disabled: true });
      const wrong = await errorOf(sut.login(u.username, 'wrong-password'));
      const unknown = await errorOf(sut.login(freshUsername('ghost'), 'wrong-password'));
      const disabled = await errorOf(sut.login(d.username, d.password));
      expect(wrong).toEqual({ code: 'UNAUTHORIZED', reason: 'ADMIN_INVALID_CREDENTIALS', message: 'Invalid username or password' });
      expect(unknown).toEqual(wrong);
      expect(disabled).toEqual(wrong);
    });

    it('locks a username after 5 failures in 15 minutes, even against the right password, then lets it in again', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) expect(await errorOf(sut.login(u.username, 'nope-nope'))).toEqual(expect.objectContaining({ code: 'UNAUTHORIZED' }));
      expect(await errorOf(sut.login(u.username, 'nope-nope'))).toEqual(expect.objectContaining({ code: 'RATE_LIMITED', reason: 'ADMIN_LOGIN_LOCKED', retryAfterMs: 15 * MIN }));
      kit.clock.advance(5 * MIN);
      expect(await errorOf(sut.login(u.username.toUpperCase(), u.password))).toEqual(expect.objectContaining({ code: 'RATE_LIMITED', retryAfterMs: 10 * MIN }));
      kit.clock.advance(10 * MIN);
      expect(await errorOf(sut.login(u.username, u.password))).toBe('OK');
    });

    it('locks unknown usernames the same way (no enumeration through the lockout)', async () => {
      const ghost = freshUsername('ghost');
      const answers: Awaited<ReturnType<typeof errorOf>>[] = [];
      for (let i = 0; i < 6; i++) answers.push(await errorOf(sut.login(ghost, 'whatever-1')));
      expect(answers.map((a) => (a === 'OK' ? a : a.code))).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED', 'RATE_LIMITED']);
    });

    it('forgets failures older than the window and after a successful login', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) await errorOf(sut.login(u.username, 'nope-nope'));
      kit.clock.advance(16 * MIN);
      for (let i = 0; i < 4; i++) expect(await errorOf(sut.login(u.username, 'nope-nope'))).toEqual(expect.objectContaining({ code: 'UNAUTHORIZED' }));
      expect(await errorOf(sut.login(u.username, u.password))).toBe('OK');
      for (let i = 0; i < 4; i++) expect(await errorOf(sut.login(u.username, 'nope-nope'))).toEqual(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    });

    it('counts concurrent failures: none is lost', async () => {
      const u = await newUser();
      await Promise.all(Array.from({ length: 5 }, () => errorOf(sut.login(u.username, 'nope-nope'))));
      expect(await errorOf(sut.login(u.username, u.password))).toEqual(expect.objectContaining({ code: 'RATE_LIMITED' }));
    });
  });

  describe('authenticate', () => {
    const refused = { code: 'UNAUTHORIZED', reason: 'ADMIN_TOKEN_INVALID', message: 'Missing or invalid admin credentials' };

    it('refuses missing, malformed and non-bearer credentials', async () => {
      for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer a.b.c', 'Bearer kn_short', `Bearer ${'x'.repeat(5000)}`]) {
        expect(await errorOf(sut.authenticate(header))).toEqual(refused);
      }
    });

    it('refuses a player-audience token signed with the same secret', async () => {
      const u = await newUser('admin');
      const iat = Math.floor(kit.clock.now() / 1000);
      const player = signJwt({ sub: u.id, iat, exp: iat + 3600, aud: 'player', tv: 0 }, KIT_JWT_SECRET);
      expect(await errorOf(sut.authenticate(`Bearer ${player}`))).toEqual(refused);
    });

    it('refuses an expired token and a token signed with another secret', async () => {
      const u = await newUser();
      const { token } = await sut.login(u.username, u.password);
      const iat = Math.floor(kit.clock.now() / 1000);
      const forged = signJwt({ sub: u.id, iat, exp: iat + 60, aud: 'console', tv: 0 }, 'another-secret-another-secret-another');
      expect(await errorOf(sut.authenticate(`Bearer ${forged}`))).toEqual(refused);
      kit.clock.advance(8 * 3600 * 1000);
      expect(await errorOf(sut.authenticate(`Bearer ${token}`))).toEqual(refused);
    });

    it('stops accepting a token once its user is disabled, deleted or changes password, and does not revive it on re-enable', async () => {
      const a = await newUser();
      const ta = (await sut.login(a.username, a.password)).token;
      await kit.users.updateUser(admin, a.id, { disabled: true });
      expect(await errorOf(sut.authenticate(`Bearer ${ta}`))).toEqual(refused);
      await kit.users.updateUser(admin, a.id, { disabled: false });
      expect(await errorOf(sut.authenticate(`Bearer ${ta}`))).toEqual(refused);

      const b = await newUser();
      const tb = (await sut.login(b.username, b.password)).token;
      await kit.users.deleteUser(admin, b.id);
      expect(await errorOf(sut.authenticate(`Bearer ${tb}`))).toEqual(refused);

      const c = await newUser();
      const tc = (await sut.login(c.username, c.password)).token;
      await kit.users.updateUser(admin, c.id, { password: 'a-new-password' });
      expect(await errorOf(sut.authenticate(`Bearer ${tc}`))).toEqual(refused);
      expect(await errorOf(sut.login(c.username, 'a-new-password'))).toBe('OK');
    });

    it('reads the role on every request, so a role change applies at once', async () => {
      const u = await newUser('viewer');
      const { token } = await sut.login(u.username, u.password);
      await kit.users.updateUser(admin, u.id, { role: 'developer' });
      expect(await sut.authenticate(`Bearer ${token}`)).toEqual(expect.objectContaining({ role: 'developer' }));
    });

    it('accepts an API key as a bearer credential', async () => {
      const { apiKey, key } = await kit.apiKeys.createKey(admin, { name: 'ci', scopes: ['accounts:read'] });
      expect(await sut.authenticate(`Bearer ${key}`)).toEqual({ kind: 'api-key', id: apiKey.id, name: 'ci', scopes: ['accounts:read'], actor: `api-key:${apiKey.id}` });
    });
  });
});
