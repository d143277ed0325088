import { Inject, Injectable, Optional } from '@nestjs/common';
import type { HookRunner } from '@kaosnet/scripting';
import {
  Clock,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  isUuid,
  KAOS_CONFIG,
  KaosError,
  newId,
  verifyPassword,
  type Caller,
  type KaosConfig,
} from '@kaosnet/common';
import { isUniqueViolation } from '@kaosnet/database';
import { AccountsErrors } from './accounts.errors.js';
import { AccountsRepository, type AccountRow, type LinkKind, type NewAccount, type ProfilePatch } from './accounts.repository.js';
import type {
  AccountList,
  AccountListQuery,
  AccountUpdate,
  AccountView,
  AuthenticateCustomInput,
  AuthenticateDeviceInput,
  AuthenticateEmailInput,
} from './accounts.types.js';
import {
  ACCOUNT_LIMITS,
  checkCustomId,
  checkDeviceId,
  checkMetadata,
  checkPassword,
  checkText,
  checkUsername,
  checkVars,
  generateUsername,
  normalizeEmail,
} from './account-rules.js';
import { decodeCursor, encodeCursor, checkListLimit, checkSearch } from './account-list.js';
import { SessionTokens, type AuthSession, type VerifiedAccess } from './session-tokens.service.js';

interface AuthOptions {
  create: boolean;
  username?: string;
  vars: Record<string, string>;
}

/**
 * DI token of @kaosnet/scripting's HookRunner (same `Symbol.for` key as its HOOK_RUNNER; a runtime
 * import would be a cycle, since scripting imports this lib for its Lua bindings).
 */
const HOOK_RUNNER = Symbol.for('kaosnet.scripting.hook-runner');

/** Attempts at find-or-create before giving up (each lost race costs one). */
const CREATE_ATTEMPTS = 5;

/**
 * The core of player identity: every rule and access check of accounts lives here, so REST,
 * KaosTalk, Lua and the admin API behave the same. The first parameter is always the Caller.
 *
 * Access: authenticate and refresh calls are open to any caller (the adapter checks the server
 * key); a user caller may read, update, link and unlink only its own account (another id answers
 * NOT_FOUND, revealing nothing); list, ban, unban and delete are for system callers only.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly tokens: SessionTokens,
    private readonly clock: Clock,
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
    // Optional Lua hooks (libs/scripting): without scripting, or with no hook registered, nothing changes.
    @Optional() @Inject(HOOK_RUNNER) private readonly hooks?: HookRunner,
  ) {}

  // ---- authenticate ----------------------------------------------------------------------------

  /**
   * Signs in with a device id (10-128 characters), creating the account on first use unless
   * `create` is false (then an unknown id is NOT_FOUND).
   *
   * @example
   * const s = await accounts.authenticateDevice(caller, { deviceId: 'a1b2c3d4e5f6' });
   */
  async authenticateDevice(caller: Caller, input: AuthenticateDeviceInput): Promise<AuthSession> {
    if (this.hooks) return this.#hookedAuth(caller, 'device', input, (i) => this.#authenticateDevice(i));
    return this.#authenticateDevice(input);
  }

  async #authenticateDevice(input: AuthenticateDeviceInput): Promise<AuthSession> {
    const deviceId = checkDeviceId(input?.deviceId);
    const opts = this.#authOptions(input);
    const { account, created } = await this.#findOrCreate(opts, () => this.accounts.findByDevice(deviceId), (base) => this.accounts.create(base, deviceId));
    return this.#signIn(account, opts.vars, created);
  }

  /** Signs in with a custom id (6-128 characters) from the game's own identity system. */
  async authenticateCustom(caller: Caller, input: AuthenticateCustomInput): Promise<AuthSession> {
    if (this.hooks) return this.#hookedAuth(caller, 'custom', input, (i) => this.#authenticateCustom(i));
    return this.#authenticateCustom(input);
  }

  async #authenticateCustom(input: AuthenticateCustomInput): Promise<AuthSession> {
    const customId = checkCustomId(input?.id);
    const opts = this.#authOptions(input);
    const { account, created } = await this.#findOrCreate(opts, () => this.accounts.findByCustomId(customId), (base) =>
      this.accounts.create({ ...base, customId }),
    );
    return this.#signIn(account, opts.vars, created);
  }

  /**
   * Signs in with email and password (scrypt). An unknown email with `create: false` and a wrong
   * password get the same UNAUTHORIZED answer after the same work. After
   * `config.auth.emailMaxFailures` failures the email is locked for `emailLockoutSec`
   * (RATE_LIMITED, reason EMAIL_LOCKED, with retryAfterMs), whether or not an account has it.
   */
  async authenticateEmail(caller: Caller, input: AuthenticateEmailInput): Promise<AuthSession> {
    if (this.hooks) return this.#hookedAuth(caller, 'email', input, (i) => this.#authenticateEmail(i));
    return this.#authenticateEmail(input);
  }

  async #authenticateEmail(input: AuthenticateEmailInput): Promise<AuthSession> {
    const email = normalizeEmail(input?.email);
    const password = checkPassword(input?.password);
    const opts = this.#authOptions(input);
    const now = this.clock.now();
    const lockedUntil = await this.accounts.emailLockedUntil(email);
    if (lockedUntil !== null && lockedUntil > now) throw AccountsErrors.emailLocked(lockedUntil - now);

    let account = await this.accounts.findByEmail(email);
    if (!account && opts.create) {
      const passwordHash = await hashPassword(password);
      const r = await this.#findOrCreate(opts, () => this.accounts.findByEmail(email), (base) => this.accounts.create({ ...base, email, passwordHash }));
      if (r.created) return this.#signIn(r.account, opts.vars, true);
      account = r.account; // created by a concurrent call: its password decides
    }
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!account || !ok) return this.#emailFailed(email);
    await this.accounts.clearEmailFailures(email);
    return this.#signIn(account, opts.vars, false);
  }

  /**
   * Scripting hooks on `authenticate` (optional): the before hook sees `{method, deviceId|id|email,
   * create, username, vars}` (never the password) and may change create/username/vars or refuse;
   * the after hook sees `{userId, username, created}` (never the tokens).
   */
  async #hookedAuth<T extends { create?: boolean; username?: string; vars?: Record<string, string> }>(
    caller: Caller,
    method: 'device' | 'custom' | 'email',
    input: T,
    run: (input: T) => Promise<AuthSession>,
  ): Promise<AuthSession> {
    const hooks = this.hooks!;
    if (hooks.has('before', 'authenticate')) {
      const { password: _password, ...visible } = (input ?? {}) as T & { password?: string };
      const out = (await hooks.runBefore('authenticate', caller, { method, ...visible } as Record<string, unknown>)) as Partial<T>;
      input = { ...input, create: out.create ?? input?.create, username: out.username ?? input?.username, vars: out.vars ?? input?.vars };
    }
    const session = await run(input);
    if (hooks.has('after', 'authenticate')) await hooks.runAfter('authenticate', caller, { method }, { userId: session.userId, username: session.username, created: session.created });
    return session;
  }

  /** New access and refresh tokens for a refresh token, which is spent (see SessionTokens.refresh). */
  async refreshSession(_caller: Caller, refreshToken: string): Promise<AuthSession> {
    return this.tokens.refresh(refreshToken);
  }

  /** Ends the caller's session (and the one `refreshToken` belongs to, if it is the caller's). */
  async logout(caller: Caller, refreshToken?: string): Promise<void> {
    if (caller.kind !== 'user' || !caller.sessionId) throw AccountsErrors.invalidToken();
    await this.tokens.end(caller.sessionId, 'logout');
    if (refreshToken !== undefined) await this.tokens.endByRefreshToken(caller.userId, refreshToken, 'logout');
  }

  /** See SessionTokens.verifyAccessToken: for transports that receive a bearer token. */
  async verifyAccessToken(token: string): Promise<VerifiedAccess> {
    return this.tokens.verifyAccessToken(token);
  }

  // ---- own account -----------------------------------------------------------------------------

  async getAccount(caller: Caller, userId: string): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    const row = await this.accounts.findById(userId);
    if (!row) throw AccountsErrors.accountNotFound();
    return this.#view(row, await this.#devicesOf(row.id));
  }

  /** Changes profile fields; a taken username is CONFLICT. Metadata: a JSON object of at most 16 KiB. */
  async updateAccount(caller: Caller, userId: string, update: AccountUpdate): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    // Scripting hooks (optional): a before hook may change the update or refuse it; after hooks see the result.
    if (this.hooks?.has('before', 'account.update')) update = (await this.hooks.runBefore('account.update', caller, { userId, update: update ?? {} })).update;
    const view = await this.#updateAccount(caller, userId, update);
    if (this.hooks?.has('after', 'account.update')) await this.hooks.runAfter('account.update', caller, { userId, update }, view);
    return view;
  }

  async #updateAccount(caller: Caller, userId: string, update: AccountUpdate): Promise<AccountView> {
    const u = update ?? {};
    const patch: ProfilePatch = {};
    const optionalText = (field: 'displayName' | 'avatarUrl' | 'location' | 'timezone') => {
      const v = u[field];
      if (v !== undefined) patch[field] = v === null ? null : checkText(field, v, ACCOUNT_LIMITS[field]);
    };
    if (u.username !== undefined) patch.username = checkUsername(u.username);
    optionalText('displayName');
    optionalText('avatarUrl');
    optionalText('location');
    optionalText('timezone');
    if (u.lang !== undefined) patch.lang = checkText('lang', u.lang, ACCOUNT_LIMITS.lang);
    if (u.metadata !== undefined) patch.metadata = checkMetadata(u.metadata);
    if (Object.keys(patch).length > 0) {
      let found: boolean;
      try {
        found = await this.accounts.updateProfile(userId, patch, this.clock.now());
      } catch (error) {
        if (isUniqueViolation(error) && this.accounts.violatedKey(error) === 'username') throw AccountsErrors.usernameTaken();
        throw error;
      }
      if (!found) throw AccountsErrors.accountNotFound();
    }
    return this.getAccount(caller, userId);
  }

  // ---- link / unlink ---------------------------------------------------------------------------

  async linkDevice(caller: Caller, userId: string, deviceId: string): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    const id = checkDeviceId(deviceId);
    await this.#mustExist(userId);
    try {
      await this.accounts.linkDevice(userId, id, this.clock.now());
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if ((await this.accounts.deviceOwner(id)) !== userId) throw AccountsErrors.deviceTaken();
    }
    return this.getAccount(caller, userId);
  }

  /** Sets (or replaces) the account's email login and its password. */
  async linkEmail(caller: Caller, userId: string, input: { email: string; password: string }): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    const email = normalizeEmail(input?.email);
    const passwordHash = await hashPassword(checkPassword(input?.password));
    await this.#linkOnRow(userId, () => this.accounts.setEmail(userId, email, passwordHash, this.clock.now()), AccountsErrors.emailTaken);
    return this.getAccount(caller, userId);
  }

  async linkCustom(caller: Caller, userId: string, customId: string): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    const id = checkCustomId(customId);
    await this.#linkOnRow(userId, () => this.accounts.setCustomId(userId, id, this.clock.now()), AccountsErrors.customIdTaken);
    return this.getAccount(caller, userId);
  }

  async unlinkDevice(caller: Caller, userId: string, deviceId: string): Promise<AccountView> {
    return this.#unlink(caller, userId, 'device', checkDeviceId(deviceId), 'deviceId');
  }

  async unlinkEmail(caller: Caller, userId: string, email: string): Promise<AccountView> {
    return this.#unlink(caller, userId, 'email', normalizeEmail(email), 'email');
  }

  async unlinkCustom(caller: Caller, userId: string, customId: string): Promise<AccountView> {
    return this.#unlink(caller, userId, 'custom', checkCustomId(customId), 'id');
  }

  // ---- admin (system callers) ------------------------------------------------------------------

  /**
   * Newest first, `limit` 1-100 (default 50). `search` matches a username prefix
   * (case-insensitive), an exact id or an exact email. Pass back `cursor` for the next page.
   */
  async listAccounts(caller: Caller, q: AccountListQuery = {}): Promise<AccountList> {
    this.#checkSystem(caller);
    const limit = checkListLimit(q.limit);
    const search = checkSearch(q.search);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const rows = await this.accounts.list({ limit: limit + 1, after, search });
    const page = rows.slice(0, limit);
    const devices = await this.accounts.listDevices(page.map((r) => r.id));
    const accounts = page.map((r) => this.#view(r, devices.get(r.id) ?? []));
    const last = page[page.length - 1];
    return rows.length > limit && last ? { accounts, cursor: encodeCursor(last) } : { accounts };
  }

  /** Bans the account and ends all its sessions: it can neither sign in nor refresh. */
  async banAccount(caller: Caller, userId: string): Promise<AccountView> {
    this.#checkSystem(caller);
    if (!isUuid(userId)) throw AccountsErrors.accountNotFound();
    const ended = await this.accounts.setBanned(userId, this.clock.now(), this.clock.now());
    if (ended === null) throw AccountsErrors.accountNotFound();
    this.tokens.forget(ended);
    return this.getAccount(caller, userId);
  }

  async unbanAccount(caller: Caller, userId: string): Promise<AccountView> {
    this.#checkSystem(caller);
    if (!isUuid(userId)) throw AccountsErrors.accountNotFound();
    if ((await this.accounts.setBanned(userId, null, this.clock.now())) === null) throw AccountsErrors.accountNotFound();
    return this.getAccount(caller, userId);
  }

  /** Deletes the account with its devices and sessions; its tokens stop working at once. */
  async deleteAccount(caller: Caller, userId: string): Promise<void> {
    this.#checkSystem(caller);
    if (!isUuid(userId)) throw AccountsErrors.accountNotFound();
    const ended = await this.accounts.delete(userId);
    if (ended === null) throw AccountsErrors.accountNotFound();
    this.tokens.forget(ended);
  }

  // ---- internals -------------------------------------------------------------------------------

  #authOptions(input: { create?: unknown; username?: unknown; vars?: unknown } | undefined): AuthOptions {
    const create = input?.create ?? true;
    if (typeof create !== 'boolean') throw KaosError.invalidField('create', 'must be a boolean');
    const username = input?.username === undefined || input.username === null ? undefined : checkUsername(input.username);
    return { create, username, vars: checkVars(input?.vars) };
  }

  /**
   * Find-or-create settled by unique constraints: when a concurrent call creates the same identity
   * first, our insert fails with a unique violation and the next lookup finds the winner's account.
   */
  async #findOrCreate(
    opts: AuthOptions,
    find: () => Promise<AccountRow | null>,
    insert: (base: NewAccount) => Promise<AccountRow>,
  ): Promise<{ account: AccountRow; created: boolean }> {
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const existing = await find();
      if (existing) return { account: existing, created: false };
      if (!opts.create) throw AccountsErrors.accountNotFound();
      try {
        const account = await insert({ id: newId(), username: opts.username ?? generateUsername(), createdAt: this.clock.now() });
        return { account, created: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // A racing creation of this same identity may hold the username too: look again first.
        if (this.accounts.violatedKey(error) === 'username' && opts.username !== undefined && !(await find())) {
          throw AccountsErrors.usernameTaken();
        }
      }
    }
    throw KaosError.unavailable('Could not create the account; try again');
  }

  async #signIn(account: AccountRow, vars: Record<string, string>, created: boolean): Promise<AuthSession> {
    if (account.bannedAt !== null) throw AccountsErrors.accountBanned();
    return this.tokens.start(account, vars, created);
  }

  async #emailFailed(email: string): Promise<never> {
    const now = this.clock.now();
    const windowMs = this.config.auth.emailLockoutSec * 1000;
    const failures = await this.accounts.recordEmailFailure(email, now, windowMs);
    if (failures >= this.config.auth.emailMaxFailures) {
      await this.accounts.lockEmail(email, now + windowMs, now);
      throw AccountsErrors.emailLocked(windowMs);
    }
    throw AccountsErrors.invalidCredentials();
  }

  async #linkOnRow(userId: string, write: () => Promise<boolean>, taken: () => KaosError): Promise<void> {
    let found: boolean;
    try {
      found = await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
    if (!found) throw AccountsErrors.accountNotFound();
  }

  async #unlink(caller: Caller, userId: string, kind: LinkKind, value: string, field: string): Promise<AccountView> {
    this.#checkOwn(caller, userId);
    const outcome = await this.accounts.unlink(userId, kind, value, this.clock.now());
    if (outcome === 'no-account') throw AccountsErrors.accountNotFound();
    if (outcome === 'not-linked') throw AccountsErrors.linkNotFound(field);
    if (outcome === 'last') throw AccountsErrors.lastLoginMethod();
    return this.getAccount(caller, userId);
  }

  async #mustExist(userId: string): Promise<void> {
    if (!(await this.accounts.findById(userId))) throw AccountsErrors.accountNotFound();
  }

  /** A user may act only on its own account; any other id is NOT_FOUND (existence not revealed). */
  #checkOwn(caller: Caller, userId: string): void {
    if (typeof userId !== 'string' || !isUuid(userId)) throw AccountsErrors.accountNotFound();
    if (caller.kind === 'user' && caller.userId !== userId) throw AccountsErrors.accountNotFound();
  }

  #checkSystem(caller: Caller): void {
    if (caller.kind !== 'system') throw KaosError.forbidden('Only the server or an administrator may do this');
  }

  async #devicesOf(userId: string): Promise<string[]> {
    return (await this.accounts.listDevices([userId])).get(userId) ?? [];
  }

  #view(row: AccountRow, devices: string[]): AccountView {
    const view: AccountView = {
      id: row.id,
      username: row.username,
      displayName: row.displayName,
      avatarUrl: row.avatarUrl,
      lang: row.lang,
      location: row.location,
      timezone: row.timezone,
      metadata: row.metadata,
      devices,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
    if (row.email !== null) view.email = row.email;
    if (row.customId !== null) view.customId = row.customId;
    if (row.bannedAt !== null) view.bannedAt = row.bannedAt;
    return view;
  }
}
