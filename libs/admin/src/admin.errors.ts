import { KaosError } from '@kaosnet/common';

/** Stable reasons of the admin lib, safe to show to console clients. */
export const AdminReason = {
  INVALID_CREDENTIALS: 'ADMIN_INVALID_CREDENTIALS',
  LOGIN_LOCKED: 'ADMIN_LOGIN_LOCKED',
  TOKEN_INVALID: 'ADMIN_TOKEN_INVALID',
  USER_NOT_FOUND: 'CONSOLE_USER_NOT_FOUND',
  USERNAME_TAKEN: 'CONSOLE_USERNAME_TAKEN',
  LAST_ADMIN: 'CONSOLE_LAST_ADMIN',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  SCOPE_NOT_HELD: 'API_KEY_SCOPE_NOT_HELD',
} as const;
export type AdminReason = (typeof AdminReason)[keyof typeof AdminReason];

export const AdminErrors = {
  /** Same answer for unknown user, wrong password and disabled user: no enumeration. */
  invalidCredentials: () => KaosError.unauthorized('Invalid username or password', { reason: AdminReason.INVALID_CREDENTIALS }),
  loginLocked: (retryAfterMs: number) =>
    KaosError.rateLimited('Too many failed logins for this username; try again later', Math.max(1000, retryAfterMs), { reason: AdminReason.LOGIN_LOCKED }),
  /** Missing, malformed, expired, wrong-audience, revoked: one message, so probing learns nothing. */
  tokenInvalid: () => KaosError.unauthorized('Missing or invalid admin credentials', { reason: AdminReason.TOKEN_INVALID }),
  userNotFound: () => KaosError.notFound('Console user not found', { reason: AdminReason.USER_NOT_FOUND }),
  usernameTaken: () => KaosError.conflict('A console user with this username already exists', { reason: AdminReason.USERNAME_TAKEN }),
  lastAdmin: () => KaosError.conflict('The last active admin cannot be deleted, disabled or demoted', { reason: AdminReason.LAST_ADMIN }),
  apiKeyNotFound: () => KaosError.notFound('API key not found', { reason: AdminReason.API_KEY_NOT_FOUND }),
  scopeNotHeld: (scope: string) =>
    KaosError.forbidden(`An API key can only grant scopes it holds itself (missing ${scope})`, { reason: AdminReason.SCOPE_NOT_HELD }),
};
