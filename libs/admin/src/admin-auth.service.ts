import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  Clock,
  DUMMY_PASSWORD_HASH,
  isUuid,
  KAOS_CONFIG,
  signJwt,
  verifyJwt,
  verifyPassword,
  type Caller,
  type KaosConfig,
} from '@kaosnet/common';
import type { AdminPrincipal } from './admin-access.js';
import { AdminErrors } from './admin.errors.js';
import { API_KEY_PREFIX, ApiKeysService } from './api-keys.service.js';
import { ConsoleUsersRepository } from './console-users.repository.js';
import { toConsoleUserView, type ConsoleUserView } from './console-users.service.js';
import { LoginFailuresRepository, type LockoutPolicy } from './login-failures.repository.js';

/** JWT audience of console tokens; player tokens use 'player' with the same secret. */
export const CONSOLE_TOKEN_AUDIENCE = 'console';

export interface AdminAuthOptions {
  /** Console token lifetime in seconds (default 8 hours). */
  tokenTtlSec: number;
  /** Failed logins per username before it is locked (default 5 in 15 minutes, locked 15 minutes). */
  lockout: LockoutPolicy;
}

export const ADMIN_AUTH_OPTIONS = Symbol.for('kaosnet.admin.auth-options');

export const DEFAULT_ADMIN_AUTH_OPTIONS: AdminAuthOptions = Object.freeze({
  tokenTtlSec: 8 * 3600,
  lockout: Object.freeze({ maxFailures: 5, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 }),
});

export interface AdminLoginResult {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  user: ConsoleUserView;
}

/**
 * Who is on the admin port: console logins (username + password → console JWT) and the check
 * of every presented credential (console JWT or API key) into an `AdminPrincipal`.
 */
@Injectable()
export class AdminAuthService {
  readonly #options: AdminAuthOptions;

  constructor(
    private readonly users: ConsoleUsersRepository,
    private readonly failures: LoginFailuresRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly clock: Clock,
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
    @Optional() @Inject(ADMIN_AUTH_OPTIONS) options?: Partial<AdminAuthOptions>,
  ) {
    this.#options = { ...DEFAULT_ADMIN_AUTH_OPTIONS, ...(options ?? {}) };
  }

  /**
   * Signs a console user in. Unknown user, wrong password and disabled user get the same answer
   * after the same scrypt work. A username with too many recent failures is refused with
   * RATE_LIMITED before its password is even checked, whether or not the user exists.
   */
  async login(username: string, password: string): Promise<AdminLoginResult> {
    const key = username.toLowerCase().slice(0, 64);
    const now = this.clock.now();
    const lockedUntil = await this.failures.lockedUntil(key, now);
    if (lockedUntil !== null) throw AdminErrors.loginLocked(lockedUntil - now);
    const user = await this.users.findByUsername(username);
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !passwordOk || user.disabledAt !== null) {
      const until = await this.failures.recordFailure(key, this.clock.now(), this.#options.lockout);
      if (until !== null) throw AdminErrors.loginLocked(until - this.clock.now());
      throw AdminErrors.invalidCredentials();
    }
    await this.failures.clear(key);
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + this.#options.tokenTtlSec;
    const token = signJwt({ sub: user.id, iat, exp, aud: CONSOLE_TOKEN_AUDIENCE, tv: user.tokenVersion }, this.#secret());
    return { token, expiresAt: exp * 1000, user: toConsoleUserView(user) };
  }

  /**
   * Turns an `Authorization` header into a principal, or throws UNAUTHORIZED. Console tokens are
   * checked against the user on every request, so a deleted or disabled user, or one whose
   * password changed, is refused at once.
   */
  async authenticate(authorization: string | undefined): Promise<AdminPrincipal> {
    const match = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(authorization ?? '');
    if (!match) throw AdminErrors.tokenInvalid();
    const presented = match[1]!;
    if (presented.startsWith(API_KEY_PREFIX)) {
      const principal = await this.apiKeys.resolveKey(presented);
      if (!principal) throw AdminErrors.tokenInvalid();
      return principal;
    }
    const verified = verifyJwt(presented, this.#secret(), CONSOLE_TOKEN_AUDIENCE, this.clock.now());
    if (!verified.ok || !isUuid(verified.claims.sub)) throw AdminErrors.tokenInvalid();
    const user = await this.users.findById(verified.claims.sub);
    if (!user || user.disabledAt !== null || verified.claims.tv !== user.tokenVersion) throw AdminErrors.tokenInvalid();
    return { kind: 'console-user', id: user.id, username: user.username, role: user.role, actor: `console-user:${user.id}` };
  }

  #secret(): string {
    const secret = this.config.jwtSecret;
    if (!secret) throw new Error('KaosConfig.jwtSecret is not resolved');
    return secret;
  }
}

/** The Caller that admin operations pass to feature services. */
export function adminCallerOf(principal: AdminPrincipal): Caller {
  return { kind: 'system', origin: 'admin', actor: principal.actor };
}
