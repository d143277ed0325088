import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SYSTEM_CALLER, userCaller, type Caller } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { expectKaos, openAccountsHarness, uniq, type AccountsHarness } from './testing/accounts-harness.js';

const ADMIN: Caller = { kind: 'system', origin: 'admin', actor: 'console:admin' };

describe.each(testDialects())('admin account methods on %s', (dialect) => {
  let h: AccountsHarness;
  beforeAll(async () => {
    h = await openAccountsHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  it('pages through accounts newest first with a stable cursor, including equal creation times', async () => {
    const prefix = uniq('pg').replace(/-/g, '_');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      if (i % 2 === 0) h.clock.advance(1); // pairs share a created_at
      created.push((await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device'), username: `${prefix}${i}` })).userId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.sut.listAccounts(ADMIN, { limit: 3, cursor, search: prefix });
      seen.push(...page.accounts.map((a) => a.id));
      cursor = page.cursor;
      pages++;
      // An account created between pages must not disturb the ones still to come.
      if (pages === 1) h.clock.advance(1);
      if (pages === 1) await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device'), username: `${prefix}late` });
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(created));
    const first = await h.sut.listAccounts(ADMIN, { limit: 100, search: prefix });
    expect(first.cursor).toBeUndefined();
    expect(first.accounts[0]!.username).toBe(`${prefix}late`);
    expect(first.accounts[1]!.devices).toHaveLength(1);
  });

  it('searches by username prefix (case-insensitive, wildcards literal), exact id and exact email', async () => {
    const s = await h.sut.authenticateEmail(SYSTEM_CALLER, { email: `${uniq('findme')}@example.com`, password: 'password-123', username: uniq('Find_Me') });
    const view = await h.sut.getAccount(SYSTEM_CALLER, s.userId);
    expect((await h.sut.listAccounts(ADMIN, { search: view.username.slice(0, 12).toUpperCase() })).accounts.map((a) => a.id)).toContain(s.userId);
    expect((await h.sut.listAccounts(ADMIN, { search: s.userId })).accounts.map((a) => a.id)).toEqual([s.userId]);
    expect((await h.sut.listAccounts(ADMIN, { search: view.email!.toUpperCase() })).accounts.map((a) => a.id)).toEqual([s.userId]);
    expect((await h.sut.listAccounts(ADMIN, { search: '%' })).accounts).toEqual([]);
    expect((await h.sut.listAccounts(ADMIN, { search: "' OR 1=1 --" })).accounts).toEqual([]);
  });

  it('refuses user callers, bad limits and foreign cursors', async () => {
    const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
    await expectKaos(h.sut.listAccounts(userCaller(s.userId), {}), 'FORBIDDEN');
    await expectKaos(h.sut.deleteAccount(userCaller(s.userId), s.userId), 'FORBIDDEN');
    await expectKaos(h.sut.listAccounts(ADMIN, { limit: 0 }), 'BAD_REQUEST');
    await expectKaos(h.sut.listAccounts(ADMIN, { limit: 101 }), 'BAD_REQUEST');
    await expectKaos(h.sut.listAccounts(ADMIN, { cursor: 'bm90LWEtY3Vyc29y' }), 'BAD_REQUEST', 'INVALID_FIELD');
    await expectKaos(h.sut.getAccount(ADMIN, 'not-a-uuid'), 'NOT_FOUND');
    await expectKaos(h.sut.banAccount(ADMIN, '00000000-0000-4000-8000-000000000000'), 'NOT_FOUND');
  });

  it('deletes an account with its devices and sessions; its tokens stop and the device starts afresh', async () => {
    const deviceId = uniq('device');
    const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId });
    await h.sut.deleteAccount(ADMIN, s.userId);
    await expectKaos(h.sut.getAccount(ADMIN, s.userId), 'NOT_FOUND');
    await expectKaos(h.tokens.verifyAccessToken(s.token), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectKaos(h.sut.refreshSession(SYSTEM_CALLER, s.refreshToken), 'UNAUTHORIZED', 'INVALID_REFRESH_TOKEN');
    await expectKaos(h.sut.deleteAccount(ADMIN, s.userId), 'NOT_FOUND');
    const again = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId });
    expect(again.created).toBe(true);
    expect(again.userId).not.toBe(s.userId);
  });
});
