import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SYSTEM_CALLER, userCaller } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { AccountsService } from './accounts.service.js';
import { expectKaos, openAccountsHarness, uniq, type AccountsHarness } from './testing/accounts-harness.js';

describe.each(testDialects())(`${AccountsService.name} on %s`, (dialect) => {
  let h: AccountsHarness;
  beforeAll(async () => {
    h = await openAccountsHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  const countAccounts = async (where: string, value: string): Promise<number> => {
    const ph = dialect === 'postgres' ? '$1' : '?';
    const rows = (await h.db.dataSource.query(`SELECT count(*) AS n FROM accounts WHERE ${where} = ${ph}`, [value])) as { n: string | number }[];
    return Number(rows[0]!.n);
  };

  describe('device authentication', () => {
    it('creates an account on first use with a generated base-32 username, then signs in to it', async () => {
      const deviceId = uniq('device');
      const first = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId });
      expect(first.created).toBe(true);
      expect(first.username).toMatch(/^[a-z2-7]{10}$/);
      expect(first.expiresAt).toBe(h.clock.now() + 3600 * 1000);
      const again = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId, username: 'ignored_for_existing' });
      expect(again).toMatchObject({ created: false, userId: first.userId, username: first.username });
      expect(again.refreshToken).not.toBe(first.refreshToken);
    });

    it('answers NOT_FOUND for an unknown device with create=false and creates nothing', async () => {
      const deviceId = uniq('device');
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId, create: false }), 'NOT_FOUND', 'ACCOUNT_NOT_FOUND');
      expect(await countAccounts('id', deviceId)).toBe(0);
    });

    it('refuses ids outside 10-128 characters and names the field', async () => {
      await expect(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('deviceId') });
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: 'x'.repeat(129) }), 'BAD_REQUEST');
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: 'nul\u0000-in-the-id' }), 'BAD_REQUEST');
    });

    it('creates exactly one account when ten calls race for one new device id', async () => {
      const deviceId = uniq('race-device');
      const results = await Promise.all(Array.from({ length: 10 }, () => h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId })));
      expect(new Set(results.map((r) => r.userId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const rows = (await h.db.dataSource.query(
        dialect === 'postgres' ? 'SELECT count(*) AS n FROM account_devices WHERE user_id = $1' : 'SELECT count(*) AS n FROM account_devices WHERE user_id = ?',
        [results[0]!.userId],
      )) as { n: string | number }[];
      expect(Number(rows[0]!.n)).toBe(1);
    });

    it('creates exactly one account when ten calls race for one new custom id with one chosen username', async () => {
      const id = uniq('race-custom');
      const username = uniq('racer');
      const results = await Promise.all(Array.from({ length: 10 }, () => h.sut.authenticateCustom(SYSTEM_CALLER, { id, username })));
      expect(new Set(results.map((r) => r.userId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await countAccounts('custom_id', id)).toBe(1);
    });
  });

  describe('usernames', () => {
    it('refuses a taken username (case-insensitively) with CONFLICT and creates nothing', async () => {
      const username = uniq('Taken');
      await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device'), username });
      const deviceId = uniq('device');
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId, username: username.toLowerCase() }), 'CONFLICT', 'USERNAME_TAKEN');
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId, create: false }), 'NOT_FOUND');
    });

    it('refuses unsafe characters in a username', async () => {
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device'), username: "'; DROP TABLE accounts; --" }), 'BAD_REQUEST', 'INVALID_FIELD');
    });

    it('lets the owner change the username, and answers CONFLICT when another account has it', async () => {
      const a = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      const b = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      const me = userCaller(a.userId);
      const renamed = await h.sut.updateAccount(me, a.userId, { username: uniq('New.Name') });
      await expectKaos(h.sut.updateAccount(me, a.userId, { username: b.username }), 'CONFLICT', 'USERNAME_TAKEN');
      expect((await h.sut.getAccount(me, a.userId)).username).toBe(renamed.username);
    });
  });

  describe('custom id authentication', () => {
    it('signs in with a custom id and refuses ids shorter than 6', async () => {
      const id = uniq('cust');
      const s = await h.sut.authenticateCustom(SYSTEM_CALLER, { id, vars: { team: 'red' } });
      expect(s.created).toBe(true);
      expect((await h.sut.verifyAccessToken(s.token)).vars).toEqual({ team: 'red' });
      await expectKaos(h.sut.authenticateCustom(SYSTEM_CALLER, { id: 'abc' }), 'BAD_REQUEST');
      await expectKaos(h.sut.authenticateCustom(SYSTEM_CALLER, { id: uniq('cust'), create: false }), 'NOT_FOUND');
    });
  });

  describe('account profile', () => {
    it('stores SQL-shaped and Unicode text verbatim', async () => {
      const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: `'; DROP TABLE accounts; -- ${uniq()}` });
      const me = userCaller(s.userId);
      const update = {
        displayName: "'; DROP TABLE accounts; --",
        avatarUrl: '" OR 1=1 --',
        lang: "fr' OR '1'='1",
        location: 'Zürich 🏔️ \\ %_',
        timezone: 'Robert"); DROP TABLE students;--',
        metadata: { q: "' OR 1=1 --", nested: { arr: [1, 'two', null, true] } },
      };
      const view = await h.sut.updateAccount(me, s.userId, update);
      expect(view).toMatchObject(update);
      expect(await h.sut.getAccount(me, s.userId)).toMatchObject(update);
      expect(view.devices[0]).toMatch(/^'; DROP TABLE accounts; -- /);
    });

    it('clears optional fields with null and refuses metadata over 16 KiB with TOO_LARGE', async () => {
      const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      const me = userCaller(s.userId);
      await h.sut.updateAccount(me, s.userId, { displayName: 'Ann', location: 'Paris' });
      const cleared = await h.sut.updateAccount(me, s.userId, { displayName: null });
      expect(cleared).toMatchObject({ displayName: null, location: 'Paris' });
      await expectKaos(h.sut.updateAccount(me, s.userId, { metadata: { big: 'x'.repeat(16 * 1024) } }), 'TOO_LARGE');
      await expectKaos(h.sut.updateAccount(me, s.userId, { metadata: [1, 2] as unknown as Record<string, unknown> }), 'BAD_REQUEST');
      expect((await h.sut.getAccount(me, s.userId)).metadata).toEqual({});
    });

    it('hides other accounts from a user caller (NOT_FOUND) but not from the system', async () => {
      const a = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      const b = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      await expectKaos(h.sut.getAccount(userCaller(a.userId), b.userId), 'NOT_FOUND');
      await expectKaos(h.sut.updateAccount(userCaller(a.userId), b.userId, { displayName: 'x' }), 'NOT_FOUND');
      expect((await h.sut.getAccount(SYSTEM_CALLER, b.userId)).id).toBe(b.userId);
    });
  });

  describe('link and unlink', () => {
    it('links several devices, an email and a custom id, and unlinks them down to the last', async () => {
      const d1 = uniq('device');
      const d2 = uniq('device');
      const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: d1 });
      const me = userCaller(s.userId);
      h.clock.advance(1); // devices are listed in link order
      await h.sut.linkDevice(me, s.userId, d2);
      await h.sut.linkDevice(me, s.userId, d2); // idempotent for the owner
      const email = `${uniq('Ann')}@Example.com`;
      await h.sut.linkEmail(me, s.userId, { email, password: 'password-123' });
      const custom = uniq('cust');
      const view = await h.sut.linkCustom(me, s.userId, custom);
      expect(view).toMatchObject({ devices: [d1, d2], email: email.toLowerCase(), customId: custom });
      expect((await h.sut.authenticateEmail(SYSTEM_CALLER, { email, password: 'password-123' })).userId).toBe(s.userId);

      await h.sut.unlinkDevice(me, s.userId, d1);
      await h.sut.unlinkEmail(me, s.userId, email);
      await h.sut.unlinkCustom(me, s.userId, custom);
      await expectKaos(h.sut.unlinkDevice(me, s.userId, d2), 'BAD_REQUEST', 'LAST_LOGIN_METHOD');
      await expectKaos(h.sut.unlinkDevice(me, s.userId, d1), 'NOT_FOUND', 'LINK_NOT_FOUND');
      expect((await h.sut.getAccount(me, s.userId)).devices).toEqual([d2]);
      await expectKaos(h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: d1, create: false }), 'NOT_FOUND');
    });

    it("answers CONFLICT when linking another account's device, email or custom id, and changes nothing", async () => {
      const email = `${uniq('owner')}@example.com`;
      const custom = uniq('cust');
      const ownerDevice = uniq('device');
      const owner = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: ownerDevice });
      await h.sut.linkEmail(userCaller(owner.userId), owner.userId, { email, password: 'password-123' });
      await h.sut.linkCustom(userCaller(owner.userId), owner.userId, custom);
      const other = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: uniq('device') });
      const me = userCaller(other.userId);
      await expectKaos(h.sut.linkDevice(me, other.userId, ownerDevice), 'CONFLICT', 'DEVICE_TAKEN');
      await expectKaos(h.sut.linkEmail(me, other.userId, { email: email.toUpperCase(), password: 'password-456' }), 'CONFLICT', 'EMAIL_TAKEN');
      await expectKaos(h.sut.linkCustom(me, other.userId, custom), 'CONFLICT', 'CUSTOM_ID_TAKEN');
      const view = await h.sut.getAccount(me, other.userId);
      expect(view.email).toBeUndefined();
      expect(view.customId).toBeUndefined();
      expect(view.devices).toHaveLength(1);
      expect((await h.sut.authenticateEmail(SYSTEM_CALLER, { email, password: 'password-123' })).userId).toBe(owner.userId);
    });

    it('keeps one way in when two unlinks race', async () => {
      const d1 = uniq('device');
      const d2 = uniq('device');
      const s = await h.sut.authenticateDevice(SYSTEM_CALLER, { deviceId: d1 });
      const me = userCaller(s.userId);
      await h.sut.linkDevice(me, s.userId, d2);
      const results = await Promise.allSettled([h.sut.unlinkDevice(me, s.userId, d1), h.sut.unlinkDevice(me, s.userId, d2)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await h.sut.getAccount(me, s.userId)).devices).toHaveLength(1);
    });
  });
});
