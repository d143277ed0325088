import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsService } from '@kaosnet/accounts';
import { signJwt, SYSTEM_CALLER } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}
interface AuthReply {
  token: string;
  refreshToken: string;
  userId: string;
  username: string;
  expiresAt: number;
  created: boolean;
}

const SQL_STRINGS = ["'; DROP TABLE accounts; --", '" OR 1=1 --'];
const uniq = (p: string) => `${p}-${randomBytes(6).toString('hex')}`;

describe.each(testDialects())('accounts REST on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await s.close();
  });

  async function call(method: string, path: string, opts: { body?: unknown; raw?: string; auth?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.auth !== undefined) headers.authorization = opts.auth;
    const res = await fetch(`${s.clientUrl}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  }
  const key = () => s.serverKeyAuth;
  const bearer = (t: string) => `Bearer ${t}`;
  async function device(deviceId = uniq('device'), extra: Record<string, unknown> = {}): Promise<AuthReply> {
    const r = await call('POST', '/api/auth/device', { body: { deviceId, ...extra }, auth: key() });
    expect(r.status).toBe(200);
    return r.body as unknown as AuthReply;
  }
  async function exists(deviceId: string): Promise<boolean> {
    const r = await call('POST', '/api/auth/device', { body: { deviceId, create: false }, auth: key() });
    return r.status === 200;
  }
  function expectError(r: Reply, status: number, code: string, message?: RegExp | string): void {
    expect({ status: r.status, code: r.body.code }).toEqual({ status, code });
    expect(typeof r.body.message).toBe('string');
    if (message !== undefined) expect(r.body.message).toMatch(message);
  }

  describe('authenticate', () => {
    it('signs in with a device id and answers the documented shape', async () => {
      const deviceId = uniq('device');
      const r = await call('POST', '/api/auth/device', { body: { deviceId, vars: { platform: 'ios' } }, auth: key() });
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['created', 'expiresAt', 'refreshToken', 'token', 'userId', 'username']);
      expect(r.body).toMatchObject({ created: true, userId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(r.body.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
      expect((await device(deviceId)).created).toBe(false);
    });

    it('signs in with email and password, and with a custom id', async () => {
      const email = `${uniq('ann')}@example.com`;
      const e1 = await call('POST', '/api/auth/email', { body: { email, password: 'password-123', username: uniq('ann') }, auth: key() });
      expect(e1.body).toMatchObject({ created: true });
      const e2 = await call('POST', '/api/auth/email', { body: { email: email.toUpperCase(), password: 'password-123' }, auth: key() });
      expect(e2.body).toMatchObject({ created: false, userId: e1.body.userId });
      const c = await call('POST', '/api/auth/custom', { body: { id: uniq('cust') }, auth: key() });
      expect(c.body).toMatchObject({ created: true });
      expectError(await call('POST', '/api/auth/custom', { body: { id: uniq('cust'), create: false }, auth: key() }), 404, 'NOT_FOUND');
    });

    it('refuses a missing, wrong or non-Basic server key and creates nothing', async () => {
      const deviceId = uniq('device');
      for (const auth of [undefined, `Basic ${Buffer.from('wrong-key:').toString('base64')}`, 'Bearer test-server-key', 'Basic ###']) {
        expectError(await call('POST', '/api/auth/device', { body: { deviceId }, auth }), 401, 'UNAUTHORIZED', /server key/);
      }
      expectError(await call('POST', '/api/auth/refresh', { body: { refreshToken: 'x' } }), 401, 'UNAUTHORIZED', /server key/);
      expect(await exists(deviceId)).toBe(false);
    });

    it('answers bad input with a clear error naming the field, and creates nothing', async () => {
      const deviceId = uniq('device');
      const cases: [unknown, RegExp][] = [
        [{}, /^deviceId: /],
        [{ deviceId: 'short' }, /^deviceId: .*10/],
        [{ deviceId: 'x'.repeat(129) }, /^deviceId: .*128/],
        [{ deviceId: 12345678901 }, /^deviceId: /],
        [{ deviceId, create: 'yes' }, /^create: /],
        [{ deviceId, username: 'x'.repeat(129) }, /^username: /],
        [{ deviceId, username: SQL_STRINGS[0] }, /^username: /],
        [{ deviceId, vars: 'nope' }, /^vars: /],
        [{ deviceId, vars: { n: 1 } }, /^vars: /],
        [{ deviceId, admin: true }, /^admin: is not an allowed field/],
      ];
      for (const [body, message] of cases) expectError(await call('POST', '/api/auth/device', { body, auth: key() }), 400, 'BAD_REQUEST', message);
      expectError(await call('POST', '/api/auth/device', { raw: '{"deviceId": "abc', auth: key() }), 400, 'BAD_REQUEST', 'Malformed JSON body');
      const bigVars = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
      expectError(await call('POST', '/api/auth/device', { body: { deviceId, vars: bigVars }, auth: key() }), 413, 'TOO_LARGE', /^vars: /);
      expectError(await call('POST', '/api/auth/device', { raw: JSON.stringify({ deviceId: 'x'.repeat(5 * 1024 * 1024) }), auth: key() }), 413, 'TOO_LARGE');
      expectError(await call('POST', '/api/auth/email', { body: { email: 'not-an-email', password: 'password-123' }, auth: key() }), 400, 'BAD_REQUEST', /^email: /);
      expectError(await call('POST', '/api/auth/email', { body: { email: `${uniq('a')}@example.com`, password: 'short' }, auth: key() }), 400, 'BAD_REQUEST', /^password: /);
      expectError(await call('POST', '/api/auth/email', { body: { email: `${uniq('a')}@example.com` }, auth: key() }), 400, 'BAD_REQUEST', /^password: /);
      expectError(await call('POST', '/api/auth/custom', { body: { id: 'abc' }, auth: key() }), 400, 'BAD_REQUEST', /^id: /);
      expect(await exists(deviceId)).toBe(false);
    });

    it('answers CONFLICT for a taken username', async () => {
      const username = uniq('Taken');
      await device(uniq('device'), { username });
      const deviceId = uniq('device');
      expectError(await call('POST', '/api/auth/device', { body: { deviceId, username: username.toLowerCase() }, auth: key() }), 409, 'CONFLICT', /^username: /);
      expect(await exists(deviceId)).toBe(false);
    });

    it('keeps SQL-shaped device and custom ids verbatim', async () => {
      for (const sqlish of SQL_STRINGS) {
        const d = await device(`${sqlish} ${uniq('d')}`);
        const acc = await call('GET', '/api/account', { auth: bearer(d.token) });
        expect((acc.body.devices as string[])[0]!.startsWith(sqlish)).toBe(true);
        const c = await call('POST', '/api/auth/custom', { body: { id: `${sqlish}${uniq('c')}` }, auth: key() });
        expect(c.status).toBe(200);
      }
    });

    it('accepts SQL-shaped passwords and session vars verbatim, and treats SQL-shaped tokens as just wrong', async () => {
      for (const sqlish of SQL_STRINGS) {
        const email = `${uniq('sql')}@example.com`;
        const first = await call('POST', '/api/auth/email', { body: { email, password: sqlish, vars: { [sqlish]: sqlish } }, auth: key() });
        expect(first.status).toBe(200);
        const payload = JSON.parse(Buffer.from((first.body.token as string).split('.')[1]!, 'base64url').toString()) as { vars: unknown };
        expect(payload.vars).toEqual({ [sqlish]: sqlish });
        const again = await call('POST', '/api/auth/email', { body: { email, password: sqlish }, auth: key() });
        expect(again.body).toMatchObject({ created: false, userId: first.body.userId });
        expectError(await call('POST', '/api/auth/refresh', { body: { refreshToken: sqlish }, auth: key() }), 401, 'UNAUTHORIZED', 'Invalid refresh token');
        expectError(await call('GET', '/api/account', { auth: bearer(sqlish.replace(/\s/g, '')) }), 401, 'UNAUTHORIZED');
      }
    });

    it('locks an email after five failed logins and says so with retryAfterMs and Retry-After', async () => {
      const email = `${uniq('lock')}@example.com`;
      await call('POST', '/api/auth/email', { body: { email, password: 'password-123' }, auth: key() });
      for (let i = 0; i < 4; i++) {
        expectError(await call('POST', '/api/auth/email', { body: { email, password: 'wrong-pass' }, auth: key() }), 401, 'UNAUTHORIZED', 'Invalid email or password');
      }
      const fifth = await call('POST', '/api/auth/email', { body: { email, password: 'wrong-pass' }, auth: key() });
      expectError(fifth, 429, 'RATE_LIMITED', /Too many failed logins/);
      expect(fifth.body).toMatchObject({ reason: 'EMAIL_LOCKED', retryAfterMs: 15 * 60 * 1000 });
      expect(fifth.headers.get('retry-after')).toBe('900');
      // Even the right password waits out the lock.
      const right = await call('POST', '/api/auth/email', { body: { email, password: 'password-123' }, auth: key() });
      expectError(right, 429, 'RATE_LIMITED');
      expect(right.body.retryAfterMs).toBeGreaterThan(14 * 60 * 1000);
    });
  });

  describe('tokens', () => {
    it('rotates refresh tokens and ends the session when a spent one is presented again', async () => {
      const a = await device();
      const r1 = await call('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken }, auth: key() });
      expect(r1.status).toBe(200);
      expect(r1.body).toMatchObject({ userId: a.userId, username: a.username, created: false });
      const reused = await call('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken }, auth: key() });
      expectError(reused, 401, 'UNAUTHORIZED');
      expect(reused.body.reason).toBe('REFRESH_TOKEN_REUSED');
      expectError(await call('GET', '/api/account', { auth: bearer(r1.body.token as string) }), 401, 'UNAUTHORIZED');
      expectError(await call('POST', '/api/auth/refresh', { body: { refreshToken: r1.body.refreshToken }, auth: key() }), 401, 'UNAUTHORIZED');
      expectError(await call('POST', '/api/auth/refresh', { body: {}, auth: key() }), 400, 'BAD_REQUEST', /^refreshToken: /);
    });

    it('logs out: the access token and the refresh token stop working', async () => {
      const a = await device();
      const out = await call('POST', '/api/auth/logout', { body: {}, auth: bearer(a.token) });
      expect(out.status).toBe(204);
      expectError(await call('GET', '/api/account', { auth: bearer(a.token) }), 401, 'UNAUTHORIZED', 'Session has ended');
      expectError(await call('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken }, auth: key() }), 401, 'UNAUTHORIZED');
      expectError(await call('POST', '/api/auth/logout', { body: {} }), 401, 'UNAUTHORIZED', /Missing bearer/);
    });

    it('refuses expired, forged, tampered, wrong-secret and garbage access tokens', async () => {
      const a = await device();
      const secret = s.server.config.jwtSecret!;
      const [head, payload, sig] = a.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const now = Math.floor(Date.now() / 1000);
      const tokens = {
        expired: signJwt({ ...(claims as { sub: string; aud: string }), iat: now - 7200, exp: now - 3600 }, secret),
        wrongSecret: signJwt(claims as { sub: string; iat: number; exp: number; aud: string }, 'some-other-secret-that-is-long-enough-0000'),
        tampered: `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: randomBytes(16).toString('hex') })).toString('base64url')}.${sig}`,
        forgedNone: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
        garbage: 'not.a.jwt',
      };
      expectError(await call('GET', '/api/account', { auth: bearer(tokens.expired) }), 401, 'UNAUTHORIZED', 'Access token expired');
      for (const t of [tokens.wrongSecret, tokens.tampered, tokens.forgedNone, tokens.garbage]) {
        expectError(await call('GET', '/api/account', { auth: bearer(t) }), 401, 'UNAUTHORIZED', 'Invalid access token');
      }
      expectError(await call('GET', '/api/account', { auth: key() }), 401, 'UNAUTHORIZED');
      expect((await call('GET', '/api/account', { auth: bearer(a.token) })).status).toBe(200);
    });

    it('refuses a banned account everywhere, and lets it back after unban', async () => {
      const deviceId = uniq('device');
      const a = await device(deviceId);
      const accounts = s.server.app.get(AccountsService);
      await accounts.banAccount(SYSTEM_CALLER, a.userId);
      expectError(await call('GET', '/api/account', { auth: bearer(a.token) }), 401, 'UNAUTHORIZED');
      expectError(await call('POST', '/api/auth/device', { body: { deviceId }, auth: key() }), 403, 'FORBIDDEN', 'Account is banned');
      expectError(await call('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken }, auth: key() }), 403, 'FORBIDDEN');
      await accounts.unbanAccount(SYSTEM_CALLER, a.userId);
      expect((await device(deviceId)).userId).toBe(a.userId);
    });
  });

  describe('account', () => {
    it('stores and returns SQL-shaped strings in every text field verbatim', async () => {
      for (const sqlish of SQL_STRINGS) {
        const a = await device();
        const update = { displayName: sqlish, avatarUrl: sqlish, lang: sqlish, location: sqlish, timezone: sqlish, metadata: { [sqlish]: sqlish } };
        const put = await call('PUT', '/api/account', { body: update, auth: bearer(a.token) });
        expect(put.status).toBe(200);
        expect(put.body).toMatchObject(update);
        const get = await call('GET', '/api/account', { auth: bearer(a.token) });
        expect(get.body).toMatchObject({ ...update, id: a.userId, username: a.username, devices: [expect.any(String)] });
      }
      // The table is still there and other accounts still work.
      expect((await device()).created).toBe(true);
    });

    it('answers bad updates with a clear error and changes nothing', async () => {
      const a = await device();
      const other = await device();
      await call('PUT', '/api/account', { body: { displayName: 'Before' }, auth: bearer(a.token) });
      const cases: [unknown, number, string, RegExp][] = [
        [{ displayName: 'x'.repeat(256) }, 400, 'BAD_REQUEST', /^displayName: /],
        [{ lang: '' }, 400, 'BAD_REQUEST', /^lang: /],
        [{ metadata: 'text' }, 400, 'BAD_REQUEST', /^metadata: /],
        [{ metadata: { big: 'x'.repeat(17 * 1024) } }, 413, 'TOO_LARGE', /^metadata: /],
        [{ username: other.username }, 409, 'CONFLICT', /^username: /],
        [{ id: 'x' }, 400, 'BAD_REQUEST', /^id: is not an allowed field/],
        [{ displayName: 'tab\there' }, 400, 'BAD_REQUEST', /^displayName: /],
      ];
      for (const [body, status, code, message] of cases) expectError(await call('PUT', '/api/account', { body, auth: bearer(a.token) }), status, code, message);
      expectError(await call('PUT', '/api/account', { raw: '{"displayName":', auth: bearer(a.token) }), 400, 'BAD_REQUEST', 'Malformed JSON body');
      const after = await call('GET', '/api/account', { auth: bearer(a.token) });
      expect(after.body).toMatchObject({ displayName: 'Before', username: a.username, metadata: {} });
      const cleared = await call('PUT', '/api/account', { body: { displayName: null }, auth: bearer(a.token) });
      expect(cleared.body.displayName).toBeNull();
    });

    it('links and unlinks device, email and custom id; the last way in stays', async () => {
      const d1 = uniq('device');
      const a = await device(d1);
      const auth = bearer(a.token);
      const d2 = uniq('device');
      const email = `${uniq('Link')}@Example.com`;
      const custom = uniq('cust');
      expect((await call('POST', '/api/account/link/device', { body: { deviceId: d2 }, auth })).status).toBe(200);
      expect((await call('POST', '/api/account/link/email', { body: { email, password: 'password-123' }, auth })).body.email).toBe(email.toLowerCase());
      const linked = await call('POST', '/api/account/link/custom', { body: { id: custom }, auth });
      expect(linked.body).toMatchObject({ customId: custom, devices: expect.arrayContaining([d1, d2]) });
      const viaEmail = await call('POST', '/api/auth/email', { body: { email, password: 'password-123', create: false }, auth: key() });
      expect(viaEmail.body.userId).toBe(a.userId);

      expect((await call('POST', '/api/account/unlink/email', { body: { email }, auth })).body.email).toBeUndefined();
      expect((await call('POST', '/api/account/unlink/custom', { body: { id: custom }, auth })).body.customId).toBeUndefined();
      expect((await call('POST', '/api/account/unlink/device', { body: { deviceId: d1 }, auth })).body.devices).toEqual([d2]);
      const last = await call('POST', '/api/account/unlink/device', { body: { deviceId: d2 }, auth });
      expectError(last, 400, 'BAD_REQUEST', /last way to sign in/);
      expect(last.body.reason).toBe('LAST_LOGIN_METHOD');
      expectError(await call('POST', '/api/account/unlink/custom', { body: { id: custom }, auth }), 404, 'NOT_FOUND', /^id: /);
      expectError(await call('POST', '/api/account/link/device', { body: { deviceId: 'short' }, auth }), 400, 'BAD_REQUEST', /^deviceId: /);
      expectError(await call('POST', '/api/account/link/device', { body: { deviceId: d2 } }), 401, 'UNAUTHORIZED');
    });

    it("answers CONFLICT when linking another account's device, email or custom id, and changes nothing", async () => {
      const ownerDevice = uniq('device');
      const owner = await device(ownerDevice);
      const email = `${uniq('own')}@example.com`;
      const custom = uniq('cust');
      await call('POST', '/api/account/link/email', { body: { email, password: 'password-123' }, auth: bearer(owner.token) });
      await call('POST', '/api/account/link/custom', { body: { id: custom }, auth: bearer(owner.token) });
      const b = await device();
      const auth = bearer(b.token);
      expectError(await call('POST', '/api/account/link/device', { body: { deviceId: ownerDevice }, auth }), 409, 'CONFLICT', /^deviceId: /);
      expectError(await call('POST', '/api/account/link/email', { body: { email, password: 'password-456' }, auth }), 409, 'CONFLICT', /^email: /);
      expectError(await call('POST', '/api/account/link/custom', { body: { id: custom }, auth }), 409, 'CONFLICT', /^id: /);
      const mine = await call('GET', '/api/account', { auth });
      expect(mine.body.email).toBeUndefined();
      expect(mine.body.customId).toBeUndefined();
      expect((mine.body.devices as string[]).length).toBe(1);
      expect((await device(ownerDevice)).userId).toBe(owner.userId);
    });
  });

  it('documents every accounts route with its security scheme and error responses', async () => {
    const doc = (await (await fetch(`${s.clientUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[]; responses: Record<string, unknown> }>>;
    };
    const routes: [string, string, string][] = [
      ['/api/auth/device', 'post', 'serverKey'],
      ['/api/auth/email', 'post', 'serverKey'],
      ['/api/auth/custom', 'post', 'serverKey'],
      ['/api/auth/refresh', 'post', 'serverKey'],
      ['/api/auth/logout', 'post', 'bearer'],
      ['/api/account', 'get', 'bearer'],
      ['/api/account', 'put', 'bearer'],
      ...['device', 'email', 'custom'].flatMap((k): [string, string, string][] => [
        [`/api/account/link/${k}`, 'post', 'bearer'],
        [`/api/account/unlink/${k}`, 'post', 'bearer'],
      ]),
    ];
    for (const [path, method, scheme] of routes) {
      const op = doc.paths[path]?.[method];
      expect({ path, method, ok: !!op }).toEqual({ path, method, ok: true });
      expect(op!.security).toEqual([{ [scheme]: [] }]);
      expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['401', '500']));
    }
  });
});
