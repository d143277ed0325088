import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { KaosError, newId } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { ConsoleUsersService } from './console-users.service.js';
import { consolePrincipal, freshUsername, keyPrincipal, openAdminKit, type AdminKit } from './testing/admin-test-kit.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KaosError) return `${error.code}${error.reason ? `:${error.reason}` : ''}`;
    throw error;
  }
  return 'OK';
}

const admin = consolePrincipal('admin');

describe.each(testDialects())(`${ConsoleUsersService.name} on %s`, (dialect) => {
  describe('with a shared database', () => {
    let kit: AdminKit;
    let sut: ConsoleUsersService;
    beforeAll(async () => {
      kit = await openAdminKit(dialect);
      sut = kit.users;
      await sut.bootstrapAdmin();
    });
    afterAll(async () => kit.close());

    it('bootstraps the configured admin once and is idempotent afterwards', async () => {
      expect(await sut.bootstrapAdmin()).toBe('exists');
      const users = await sut.listUsers(admin);
      expect(users.filter((u) => u.username === 'root')).toEqual([expect.objectContaining({ role: 'admin', disabled: false })]);
    });

    it('creates a user and refuses the same username in another case with CONFLICT', async () => {
      const username = freshUsername('Alice');
      const created = await sut.createUser(admin, { username, password: 'password-123', role: 'viewer' });
      expect(created).toEqual(expect.objectContaining({ username, role: 'viewer', disabled: false }));
      expect(await sut.getUser(admin, created.id)).toEqual(created);
      expect(await codeOf(sut.createUser(admin, { username: username.toUpperCase(), password: 'password-123', role: 'admin' }))).toBe('CONFLICT:CONSOLE_USERNAME_TAKEN');
    });

    it('refuses invalid usernames, short passwords and unknown roles, naming the field', async () => {
      expect(await codeOf(sut.createUser(admin, { username: "x' OR '1'='1", password: 'password-123', role: 'viewer' }))).toBe('BAD_REQUEST:INVALID_FIELD');
      expect(await codeOf(sut.createUser(admin, { username: freshUsername(), password: 'short', role: 'viewer' }))).toBe('BAD_REQUEST:INVALID_FIELD');
      expect(await codeOf(sut.createUser(admin, { username: freshUsername(), password: 'password-123', role: 'root' }))).toBe('BAD_REQUEST:INVALID_FIELD');
    });

    it('stores an SQL-shaped password verbatim (it is only ever a parameter)', async () => {
      const username = freshUsername();
      const password = "'; DROP TABLE admin_users; --";
      await sut.createUser(admin, { username, password, role: 'viewer' });
      const { user } = await kit.auth.login(username, password);
      expect(user.username).toBe(username);
    });

    it('refuses user management to developers and viewers, and to API keys without users:write', async () => {
      const input = { username: freshUsername(), password: 'password-123', role: 'viewer' };
      expect(await codeOf(sut.createUser(consolePrincipal('developer'), input))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
      expect(await codeOf(sut.listUsers(consolePrincipal('viewer')))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
      expect(await codeOf(sut.createUser(keyPrincipal('users:read'), input))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
      expect(await codeOf(sut.createUser(keyPrincipal('users:write'), input))).toBe('OK');
    });

    it('answers NOT_FOUND for unknown and non-uuid ids', async () => {
      expect(await codeOf(sut.getUser(admin, newId()))).toBe('NOT_FOUND:CONSOLE_USER_NOT_FOUND');
      expect(await codeOf(sut.getUser(admin, "1' OR '1'='1"))).toBe('NOT_FOUND:CONSOLE_USER_NOT_FOUND');
      expect(await codeOf(sut.deleteUser(admin, newId()))).toBe('NOT_FOUND:CONSOLE_USER_NOT_FOUND');
      expect(await codeOf(sut.updateUser(admin, newId(), { role: 'viewer' }))).toBe('NOT_FOUND:CONSOLE_USER_NOT_FOUND');
    });

    it('updates role, disabled state and password', async () => {
      const u = await sut.createUser(admin, { username: freshUsername(), password: 'password-123', role: 'viewer' });
      kit.clock.advance(1000);
      const updated = await sut.updateUser(admin, u.id, { role: 'developer', disabled: true });
      expect(updated).toEqual(expect.objectContaining({ role: 'developer', disabled: true, updatedAt: u.updatedAt + 1000 }));
      expect((await sut.updateUser(admin, u.id, { disabled: false })).disabled).toBe(false);
      expect(await codeOf(sut.updateUser(admin, u.id, { password: 'new-password-456' }))).toBe('OK');
      expect(await codeOf(sut.updateUser(admin, u.id, { disabled: 'yes' }))).toBe('BAD_REQUEST:INVALID_FIELD');
    });
  });

  describe('last-admin protection', () => {
    let kit: AdminKit;
    let sut: ConsoleUsersService;
    beforeEach(async () => {
      kit = await openAdminKit(dialect);
      sut = kit.users;
      await sut.bootstrapAdmin();
    });
    afterEach(async () => kit.close());

    const rootId = async () => (await sut.listUsers(admin)).find((u) => u.username === 'root')!.id;

    it('refuses to delete, demote or disable the only admin', async () => {
      const id = await rootId();
      expect(await codeOf(sut.deleteUser(admin, id))).toBe('CONFLICT:CONSOLE_LAST_ADMIN');
      expect(await codeOf(sut.updateUser(admin, id, { role: 'developer' }))).toBe('CONFLICT:CONSOLE_LAST_ADMIN');
      expect(await codeOf(sut.updateUser(admin, id, { disabled: true }))).toBe('CONFLICT:CONSOLE_LAST_ADMIN');
      expect(await sut.getUser(admin, id)).toEqual(expect.objectContaining({ role: 'admin', disabled: false }));
      expect(await codeOf(sut.updateUser(admin, id, { role: 'admin', password: 'another-password' }))).toBe('OK');
    });

    it('allows it once another active admin exists, and a disabled admin does not count', async () => {
      const id = await rootId();
      const second = await sut.createUser(admin, { username: freshUsername(), password: 'password-123', role: 'admin' });
      await sut.updateUser(admin, second.id, { disabled: true });
      expect(await codeOf(sut.updateUser(admin, id, { role: 'viewer' }))).toBe('CONFLICT:CONSOLE_LAST_ADMIN');
      await sut.updateUser(admin, second.id, { disabled: false });
      expect(await codeOf(sut.updateUser(admin, id, { role: 'viewer' }))).toBe('OK');
      expect(await codeOf(sut.deleteUser(admin, second.id))).toBe('CONFLICT:CONSOLE_LAST_ADMIN');
      expect(await codeOf(sut.deleteUser(admin, id))).toBe('OK');
    });

    it('lets exactly one of two concurrent demotions of the last two admins succeed', async () => {
      const id = await rootId();
      const second = await sut.createUser(admin, { username: freshUsername(), password: 'password-123', role: 'admin' });
      const results = await Promise.all([codeOf(sut.updateUser(admin, id, { role: 'viewer' })), codeOf(sut.deleteUser(admin, second.id))]);
      expect(results.sort()).toEqual(['CONFLICT:CONSOLE_LAST_ADMIN', 'OK']);
      const admins = (await sut.listUsers(admin)).filter((u) => u.role === 'admin' && !u.disabled);
      expect(admins).toHaveLength(1);
    });

    it('creates exactly one bootstrap admin when several servers boot at once', async () => {
      const fresh = await openAdminKit(dialect, { admin: { username: 'boot', password: 'boot-password-1' } });
      try {
        const results = await Promise.all(Array.from({ length: 5 }, () => fresh.users.bootstrapAdmin()));
        expect(results.filter((r) => r === 'created')).toHaveLength(1);
        expect((await fresh.users.listUsers(admin)).map((u) => u.username)).toEqual(['boot']);
      } finally {
        await fresh.close();
      }
    });
  });
});
