import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG, ManualClock, SYSTEM_CALLER, userCaller, type KaosConfig } from '@kaosnet/common';
import type { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import type { SessionTokens } from './session-tokens.service.js';

/** A dependency that fails the test if the service reaches it: access checks must come first. */
function untouchable<T>(name: string): T {
  return new Proxy({}, { get: (_t, prop) => { throw new Error(`${name}.${String(prop)} was reached`); } }) as T;
}

const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

describe(AccountsService.name, () => {
  const config = { ...DEFAULT_CONFIG, jwtSecret: 'x'.repeat(40) } as KaosConfig;
  const sut = new AccountsService(untouchable<AccountsRepository>('repository'), untouchable<SessionTokens>('tokens'), new ManualClock(), config);
  const me = userCaller(ME);

  it("answers NOT_FOUND to a user caller acting on another account, before any database access", async () => {
    await expect(sut.getAccount(me, OTHER)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.updateAccount(me, OTHER, { displayName: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.linkDevice(me, OTHER, 'device-0000001')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.unlinkCustom(me, OTHER, 'custom-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps list, ban, unban and delete for system callers (FORBIDDEN for a user caller)', async () => {
    await expect(sut.listAccounts(me, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(sut.banAccount(me, ME)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(sut.unbanAccount(me, ME)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(sut.deleteAccount(me, ME)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('answers NOT_FOUND for ids that are not UUIDs, for any caller', async () => {
    await expect(sut.getAccount(SYSTEM_CALLER, "' OR 1=1 --")).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.banAccount(SYSTEM_CALLER, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('validates authenticate input before any database access, naming the field', async () => {
    await expect(sut.authenticateDevice(SYSTEM_CALLER, { deviceId: 'short' })).rejects.toThrow(/^deviceId: /);
    await expect(sut.authenticateDevice(SYSTEM_CALLER, { deviceId: 'long-enough-id', create: 'yes' as unknown as boolean })).rejects.toThrow(/^create: /);
    await expect(sut.authenticateCustom(SYSTEM_CALLER, { id: 'custom-1', username: 'bad name' })).rejects.toThrow(/^username: /);
    await expect(sut.authenticateEmail(SYSTEM_CALLER, { email: 'a@b.io', password: '1234567' })).rejects.toThrow(/^password: /);
    await expect(sut.updateAccount(me, ME, { lang: null as unknown as string })).rejects.toThrow(/^lang: /);
  });

  it('refuses logout from a caller without a session', async () => {
    await expect(sut.logout(SYSTEM_CALLER)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(sut.logout(me)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
