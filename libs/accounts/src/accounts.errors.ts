import { KaosError } from '@kaosnet/common';

/**
 * Stable `reason` strings of the accounts feature. Clients may branch on them; the `code` (from the
 * closed catalogue in libs/common) stays the primary signal.
 */
export const AccountsReason = {
  INVALID_SERVER_KEY: 'INVALID_SERVER_KEY',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  EMAIL_LOCKED: 'EMAIL_LOCKED',
  ACCOUNT_NOT_FOUND: 'ACCOUNT_NOT_FOUND',
  ACCOUNT_BANNED: 'ACCOUNT_BANNED',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  DEVICE_TAKEN: 'DEVICE_TAKEN',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  CUSTOM_ID_TAKEN: 'CUSTOM_ID_TAKEN',
  LINK_NOT_FOUND: 'LINK_NOT_FOUND',
  LAST_LOGIN_METHOD: 'LAST_LOGIN_METHOD',
  INVALID_TOKEN: 'INVALID_TOKEN',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  SESSION_REVOKED: 'SESSION_REVOKED',
  INVALID_REFRESH_TOKEN: 'INVALID_REFRESH_TOKEN',
  REFRESH_TOKEN_EXPIRED: 'REFRESH_TOKEN_EXPIRED',
  REFRESH_TOKEN_REUSED: 'REFRESH_TOKEN_REUSED',
  INVALID_CURSOR: 'INVALID_CURSOR',
} as const;
export type AccountsReason = (typeof AccountsReason)[keyof typeof AccountsReason];

export const AccountsErrors = {
  invalidServerKey: () => KaosError.unauthorized('Missing or invalid server key', { reason: AccountsReason.INVALID_SERVER_KEY }),
  /** Same answer for an unknown email and a wrong password: no user enumeration. */
  invalidCredentials: () => KaosError.unauthorized('Invalid email or password', { reason: AccountsReason.INVALID_CREDENTIALS }),
  emailLocked: (retryAfterMs: number) =>
    KaosError.rateLimited(`Too many failed logins for this email; try again in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs, {
      reason: AccountsReason.EMAIL_LOCKED,
    }),
  accountNotFound: () => KaosError.notFound('Account not found', { reason: AccountsReason.ACCOUNT_NOT_FOUND }),
  accountBanned: () => KaosError.forbidden('Account is banned', { reason: AccountsReason.ACCOUNT_BANNED }),
  usernameTaken: () => KaosError.conflict('username: is already taken', { reason: AccountsReason.USERNAME_TAKEN, details: { field: 'username' } }),
  deviceTaken: () => KaosError.conflict('deviceId: is linked to another account', { reason: AccountsReason.DEVICE_TAKEN, details: { field: 'deviceId' } }),
  emailTaken: () => KaosError.conflict('email: is linked to another account', { reason: AccountsReason.EMAIL_TAKEN, details: { field: 'email' } }),
  customIdTaken: () => KaosError.conflict('id: is linked to another account', { reason: AccountsReason.CUSTOM_ID_TAKEN, details: { field: 'id' } }),
  linkNotFound: (field: string) => KaosError.notFound(`${field}: is not linked to this account`, { reason: AccountsReason.LINK_NOT_FOUND, details: { field } }),
  lastLoginMethod: () =>
    KaosError.badRequest('Cannot unlink the last way to sign in to this account; link another one first', { reason: AccountsReason.LAST_LOGIN_METHOD }),
  missingToken: () => KaosError.unauthorized('Missing bearer access token (Authorization: Bearer <token>)', { reason: AccountsReason.INVALID_TOKEN }),
  invalidToken: () => KaosError.unauthorized('Invalid access token', { reason: AccountsReason.INVALID_TOKEN }),
  tokenExpired: () => KaosError.unauthorized('Access token expired', { reason: AccountsReason.TOKEN_EXPIRED }),
  sessionRevoked: () => KaosError.unauthorized('Session has ended', { reason: AccountsReason.SESSION_REVOKED }),
  invalidRefreshToken: () => KaosError.unauthorized('Invalid refresh token', { reason: AccountsReason.INVALID_REFRESH_TOKEN }),
  refreshTokenExpired: () => KaosError.unauthorized('Refresh token expired', { reason: AccountsReason.REFRESH_TOKEN_EXPIRED }),
  refreshTokenReused: () =>
    KaosError.unauthorized('Refresh token was already used; the session has been ended', { reason: AccountsReason.REFRESH_TOKEN_REUSED }),
  invalidCursor: () => KaosError.invalidField('cursor', 'is not a cursor returned by this listing'),
};
