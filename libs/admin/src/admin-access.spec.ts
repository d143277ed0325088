import { describe, expect, it } from '@jest/globals';
import { KaosError } from '@kaosnet/common';
import { ADMIN_ACCESS, ADMIN_SCOPES, assertAccess, CONSOLE_ROLES, describeRequirement, principalSatisfies, roleSatisfies, type AdminPrincipal, type ConsoleRole } from './admin-access.js';

const user = (role: ConsoleRole): AdminPrincipal => ({ kind: 'console-user', id: 'u', username: 'u', role, actor: 'console-user:u' });
const key = (...scopes: (typeof ADMIN_SCOPES)[number][]): AdminPrincipal => ({ kind: 'api-key', id: 'k', name: 'k', scopes, actor: 'api-key:k' });

describe('admin access matrix', () => {
  it('orders roles admin > developer > viewer', () => {
    expect(roleSatisfies('admin', 'viewer')).toBe(true);
    expect(roleSatisfies('developer', 'viewer')).toBe(true);
    expect(roleSatisfies('developer', 'admin')).toBe(false);
    expect(roleSatisfies('viewer', 'developer')).toBe(false);
  });

  it.each([
    ['accountsRead', ['viewer', 'developer', 'admin']],
    ['accountsBan', ['developer', 'admin']],
    ['accountsDelete', ['admin']],
    ['usersRead', ['admin']],
    ['usersWrite', ['admin']],
    ['apiKeysRead', ['admin']],
    ['apiKeysWrite', ['admin']],
    ['self', ['viewer', 'developer', 'admin']],
  ] as const)('lets exactly the documented roles do %s', (op, allowed) => {
    for (const role of CONSOLE_ROLES) expect(principalSatisfies(user(role), ADMIN_ACCESS[op])).toBe((allowed as readonly string[]).includes(role));
  });

  it('lets an API key through by scope only, never by role', () => {
    expect(principalSatisfies(key('accounts:read'), ADMIN_ACCESS.accountsRead)).toBe(true);
    expect(principalSatisfies(key('accounts:read'), ADMIN_ACCESS.accountsBan)).toBe(false);
    expect(principalSatisfies(key('accounts:write'), ADMIN_ACCESS.accountsDelete)).toBe(false);
    expect(principalSatisfies(key(...ADMIN_SCOPES), ADMIN_ACCESS.self)).toBe(false);
  });

  it('throws FORBIDDEN naming what is missing', () => {
    expect(() => assertAccess(user('viewer'), ADMIN_ACCESS.accountsBan)).toThrow(KaosError);
    try {
      assertAccess(key('accounts:read'), ADMIN_ACCESS.usersWrite);
    } catch (error) {
      expect((error as KaosError).code).toBe('FORBIDDEN');
      expect((error as KaosError).message).toContain('users:write');
    }
  });

  it('describes a requirement for Swagger', () => {
    expect(describeRequirement(ADMIN_ACCESS.accountsBan)).toBe('Console roles: admin, developer. API keys: scope accounts:write.');
    expect(describeRequirement(ADMIN_ACCESS.self)).toContain('API keys: not allowed');
  });
});
