import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KaosError, newId, sha256Hex } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { ApiKeysService } from './api-keys.service.js';
import { consolePrincipal, keyPrincipal, openAdminKit, type AdminKit } from './testing/admin-test-kit.js';

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

describe.each(testDialects())(`${ApiKeysService.name} on %s`, (dialect) => {
  let kit: AdminKit;
  let sut: ApiKeysService;
  beforeAll(async () => {
    kit = await openAdminKit(dialect);
    sut = kit.apiKeys;
  });
  afterAll(async () => kit.close());

  it('returns the key once and stores only its SHA-256 and a short prefix', async () => {
    const { apiKey, key } = await sut.createKey(admin, { name: 'deploy', scopes: ['accounts:read', 'accounts:read', 'rooms:write'] });
    expect(key).toMatch(/^kn_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual(expect.objectContaining({ name: 'deploy', scopes: ['accounts:read', 'rooms:write'], prefix: key.slice(0, 11), active: true, createdBy: admin.actor }));
    const rows: Record<string, unknown>[] = await kit.db.dataSource.query(`SELECT * FROM admin_api_keys WHERE key_hash = '${sha256Hex(key)}'`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(key.slice(11));
    const listed = (await sut.listKeys(admin)).find((k) => k.id === apiKey.id);
    expect(listed).toEqual(apiKey);
    expect(JSON.stringify(await sut.listKeys(admin))).not.toContain(key);
  });

  it('resolves a live key to its scopes and refuses unknown and malformed keys', async () => {
    const { key } = await sut.createKey(admin, { name: 'k', scopes: ['storage:read'] });
    expect(await sut.resolveKey(key)).toEqual(expect.objectContaining({ kind: 'api-key', scopes: ['storage:read'] }));
    expect(await sut.resolveKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await sut.resolveKey("kn_' OR '1'='1")).toBeNull();
  });

  it('stops resolving a key once it expires', async () => {
    const { key, apiKey } = await sut.createKey(admin, { name: 'short', scopes: ['accounts:read'], expiresAt: kit.clock.now() + 60_000 });
    expect(await sut.resolveKey(key)).not.toBeNull();
    kit.clock.advance(60_000);
    expect(await sut.resolveKey(key)).toBeNull();
    expect((await sut.listKeys(admin)).find((k) => k.id === apiKey.id)?.active).toBe(false);
  });

  it('stops resolving a key once revoked; revoking twice is fine; unknown ids are NOT_FOUND', async () => {
    const { key, apiKey } = await sut.createKey(admin, { name: 'gone', scopes: ['accounts:read'] });
    await sut.revokeKey(admin, apiKey.id);
    expect(await sut.resolveKey(key)).toBeNull();
    const revokedAt = (await sut.listKeys(admin)).find((k) => k.id === apiKey.id)?.revokedAt;
    expect(revokedAt).toBe(kit.clock.now());
    kit.clock.advance(1000);
    expect(await codeOf(sut.revokeKey(admin, apiKey.id))).toBe('OK');
    expect((await sut.listKeys(admin)).find((k) => k.id === apiKey.id)?.revokedAt).toBe(revokedAt);
    expect(await codeOf(sut.revokeKey(admin, newId()))).toBe('NOT_FOUND:API_KEY_NOT_FOUND');
    expect(await codeOf(sut.revokeKey(admin, 'not-a-uuid'))).toBe('NOT_FOUND:API_KEY_NOT_FOUND');
  });

  it('refuses bad names, unknown or empty scopes and past expiries, naming the field', async () => {
    expect(await codeOf(sut.createKey(admin, { name: '', scopes: ['accounts:read'] }))).toBe('BAD_REQUEST:INVALID_FIELD');
    expect(await codeOf(sut.createKey(admin, { name: 'x', scopes: [] }))).toBe('BAD_REQUEST:INVALID_FIELD');
    expect(await codeOf(sut.createKey(admin, { name: 'x', scopes: ['everything'] }))).toBe('BAD_REQUEST:INVALID_FIELD');
    expect(await codeOf(sut.createKey(admin, { name: 'x', scopes: ['accounts:read'], expiresAt: kit.clock.now() }))).toBe('BAD_REQUEST:INVALID_FIELD');
  });

  it('keeps an SQL-shaped name verbatim', async () => {
    const name = "'); DELETE FROM admin_api_keys; --";
    const { apiKey } = await sut.createKey(admin, { name, scopes: ['accounts:read'] });
    expect((await sut.listKeys(admin)).find((k) => k.id === apiKey.id)?.name).toBe(name);
  });

  it('lets only admins (or keys with the scope) manage keys, and a key grant only scopes it holds', async () => {
    expect(await codeOf(sut.createKey(consolePrincipal('developer'), { name: 'x', scopes: ['accounts:read'] }))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
    expect(await codeOf(sut.listKeys(consolePrincipal('viewer')))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
    expect(await codeOf(sut.listKeys(keyPrincipal('api-keys:write')))).toBe('FORBIDDEN:ADMIN_ACCESS_DENIED');
    const minter = keyPrincipal('api-keys:write', 'accounts:read');
    expect(await codeOf(sut.createKey(minter, { name: 'x', scopes: ['accounts:read'] }))).toBe('OK');
    expect(await codeOf(sut.createKey(minter, { name: 'x', scopes: ['accounts:delete'] }))).toBe('FORBIDDEN:API_KEY_SCOPE_NOT_HELD');
  });
});
