import { KaosError } from '@kaosnet/common';

/**
 * Who may do what on the admin port. This file is the one access matrix: the guard reads the
 * requirement a route declares with `@AdminAccess(...)`, and the services check the same entries
 * again, so a later surface (a console socket, a CLI) cannot skip them.
 *
 * Console users pass by role hierarchy (admin > developer > viewer). API keys pass by scope; a
 * requirement without a scope is for console users only.
 *
 * | operation                      | viewer | developer | admin | API key scope    |
 * |--------------------------------|--------|-----------|-------|------------------|
 * | list / get player accounts     |  yes   |    yes    |  yes  | accounts:read    |
 * | ban / unban player accounts    |   -    |    yes    |  yes  | accounts:write   |
 * | delete player accounts         |   -    |     -     |  yes  | accounts:delete  |
 * | list / get console users       |   -    |     -     |  yes  | users:read       |
 * | create / update / delete users |   -    |     -     |  yes  | users:write      |
 * | list API keys                  |   -    |     -     |  yes  | api-keys:read    |
 * | create / revoke API keys       |   -    |     -     |  yes  | api-keys:write   |
 * | own profile (GET /admin/me)    |  yes   |    yes    |  yes  | (console only)   |
 *
 * A key holding `users:write` can create an admin user, so it is admin-equivalent; a key holding
 * `api-keys:write` can only grant scopes it holds itself.
 */
export const ConsoleRole = {
  ADMIN: 'admin',
  DEVELOPER: 'developer',
  VIEWER: 'viewer',
} as const;
export type ConsoleRole = (typeof ConsoleRole)[keyof typeof ConsoleRole];
export const CONSOLE_ROLES: readonly ConsoleRole[] = Object.values(ConsoleRole);

const ROLE_RANK: Readonly<Record<ConsoleRole, number>> = { viewer: 1, developer: 2, admin: 3 };

export function isConsoleRole(value: unknown): value is ConsoleRole {
  return typeof value === 'string' && (CONSOLE_ROLES as readonly string[]).includes(value);
}

/** True when `role` is at least `required` in the hierarchy admin > developer > viewer. */
export function roleSatisfies(role: ConsoleRole, required: ConsoleRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

/**
 * The closed scope catalogue for API keys. Scopes of features that have no admin routes yet are
 * listed so keys can be minted for them ahead of time; later libs put their routes behind them.
 */
export const AdminScope = {
  ACCOUNTS_READ: 'accounts:read',
  ACCOUNTS_WRITE: 'accounts:write',
  ACCOUNTS_DELETE: 'accounts:delete',
  USERS_READ: 'users:read',
  USERS_WRITE: 'users:write',
  API_KEYS_READ: 'api-keys:read',
  API_KEYS_WRITE: 'api-keys:write',
  SESSIONS_READ: 'sessions:read',
  SESSIONS_WRITE: 'sessions:write',
  ROOMS_READ: 'rooms:read',
  ROOMS_WRITE: 'rooms:write',
  STORAGE_READ: 'storage:read',
  STORAGE_WRITE: 'storage:write',
  LEADERBOARDS_READ: 'leaderboards:read',
  LEADERBOARDS_WRITE: 'leaderboards:write',
  SCRIPTS_READ: 'scripts:read',
  SCRIPTS_WRITE: 'scripts:write',
  RPC_EXECUTE: 'rpc:execute',
} as const;
export type AdminScope = (typeof AdminScope)[keyof typeof AdminScope];
export const ADMIN_SCOPES: readonly AdminScope[] = Object.values(AdminScope);

export function isAdminScope(value: unknown): value is AdminScope {
  return typeof value === 'string' && (ADMIN_SCOPES as readonly string[]).includes(value);
}

/** Metadata key under which `@AdminAccess` stores a route's requirement. */
export const ADMIN_ACCESS_METADATA = 'kaosnet:admin-access';

/** What a route or service operation requires. Without `scope`, API keys are refused. */
export interface AdminAccessRequirement {
  role: ConsoleRole;
  scope?: AdminScope;
}

/** The requirements of this lib's own operations (see the matrix above). */
export const ADMIN_ACCESS = {
  accountsRead: { role: 'viewer', scope: 'accounts:read' },
  accountsBan: { role: 'developer', scope: 'accounts:write' },
  accountsDelete: { role: 'admin', scope: 'accounts:delete' },
  usersRead: { role: 'admin', scope: 'users:read' },
  usersWrite: { role: 'admin', scope: 'users:write' },
  apiKeysRead: { role: 'admin', scope: 'api-keys:read' },
  apiKeysWrite: { role: 'admin', scope: 'api-keys:write' },
  self: { role: 'viewer' },
} as const satisfies Record<string, AdminAccessRequirement>;

/** A human-readable line for Swagger descriptions and error messages. */
export function describeRequirement(req: AdminAccessRequirement): string {
  const roles = CONSOLE_ROLES.filter((r) => roleSatisfies(r, req.role)).join(', ');
  return `Console roles: ${roles}. API keys: ${req.scope ? `scope ${req.scope}` : 'not allowed'}.`;
}

/**
 * The authenticated party on the admin port. `actor` is what lands in the `Caller` and in audit
 * trails: `console-user:<id>` or `api-key:<id>`.
 */
export type AdminPrincipal =
  | { kind: 'console-user'; id: string; username: string; role: ConsoleRole; actor: string }
  | { kind: 'api-key'; id: string; name: string; scopes: readonly AdminScope[]; actor: string };

export function principalSatisfies(principal: AdminPrincipal, req: AdminAccessRequirement): boolean {
  if (principal.kind === 'console-user') return roleSatisfies(principal.role, req.role);
  return req.scope !== undefined && principal.scopes.includes(req.scope);
}

/** Throws FORBIDDEN (naming what was missing, never who else exists) unless the principal passes. */
export function assertAccess(principal: AdminPrincipal, req: AdminAccessRequirement): void {
  if (principalSatisfies(principal, req)) return;
  const needed = principal.kind === 'console-user' ? `role ${req.role} or higher` : req.scope ? `scope ${req.scope}` : 'a console user';
  throw KaosError.forbidden(`This operation requires ${needed}`, { reason: 'ADMIN_ACCESS_DENIED' });
}
