import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { checkString, Clock, hashPassword, isUuid, KAOS_CONFIG, KaosError, newId, type KaosConfig } from '@kaosnet/common';
import { ADMIN_ACCESS, assertAccess, CONSOLE_ROLES, isConsoleRole, type AdminPrincipal, type ConsoleRole } from './admin-access.js';
import { AdminErrors } from './admin.errors.js';
import { ConsoleUsersRepository, type ConsoleUserPatch, type GuardedResult } from './console-users.repository.js';
import { ConsoleUserEntity } from './entities/console-user.entity.js';

/** Same rule as KAOS_ADMIN_USERNAME, so the bootstrap admin is a valid console user. */
const USERNAME_RULE = { min: 3, max: 64, pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'may only hold letters, digits, _ . -' };
/** The upper bound keeps one scrypt call cheap however long the input. */
const PASSWORD_RULE = { min: 8, max: 256 };

/** A console user as every surface shows it: never the password hash. Times are epoch ms. */
export interface ConsoleUserView {
  id: string;
  username: string;
  role: ConsoleRole;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ConsoleUserCreateInput {
  username: unknown;
  password: unknown;
  role: unknown;
}

export interface ConsoleUserUpdateInput {
  role?: unknown;
  password?: unknown;
  disabled?: unknown;
}

export function toConsoleUserView(user: ConsoleUserEntity): ConsoleUserView {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/**
 * Console users: the people behind the admin port. Holds every rule about them, including that
 * the last active admin can be neither deleted, disabled nor demoted, and creates the first
 * admin from configuration at start-up.
 */
@Injectable()
export class ConsoleUsersService implements OnApplicationBootstrap {
  readonly #logger = new Logger('Admin');

  constructor(
    private readonly repository: ConsoleUsersRepository,
    private readonly clock: Clock,
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.bootstrapAdmin()) === 'created') {
      this.#logger.log(`Created the bootstrap console admin "${this.config.adminUsername}"`);
    }
  }

  /**
   * Creates the configured admin when no console user has that name. Idempotent, and safe when
   * several servers boot at once: the unique index lets exactly one insert win. An existing user
   * is left as it is (changing KAOS_ADMIN_PASSWORD later does not reset a password).
   */
  async bootstrapAdmin(): Promise<'created' | 'exists'> {
    const username = this.config.adminUsername;
    if (await this.repository.findByUsername(username)) return 'exists';
    const user = this.#entity(username, await hashPassword(this.config.adminPassword), 'admin');
    return (await this.repository.insert(user)) ? 'created' : 'exists';
  }

  async listUsers(principal: AdminPrincipal): Promise<ConsoleUserView[]> {
    assertAccess(principal, ADMIN_ACCESS.usersRead);
    return (await this.repository.list()).map(toConsoleUserView);
  }

  async getUser(principal: AdminPrincipal, id: string): Promise<ConsoleUserView> {
    assertAccess(principal, ADMIN_ACCESS.usersRead);
    return toConsoleUserView(await this.#find(id));
  }

  /** The signed-in console user's own profile. */
  async getSelf(principal: AdminPrincipal): Promise<ConsoleUserView> {
    assertAccess(principal, ADMIN_ACCESS.self);
    return toConsoleUserView(await this.#find(principal.id));
  }

  async createUser(principal: AdminPrincipal, input: ConsoleUserCreateInput): Promise<ConsoleUserView> {
    assertAccess(principal, ADMIN_ACCESS.usersWrite);
    const username = checkString('username', input.username, USERNAME_RULE);
    const password = checkString('password', input.password, PASSWORD_RULE);
    const role = checkRole(input.role);
    if (await this.repository.findByUsername(username)) throw AdminErrors.usernameTaken();
    const user = this.#entity(username, await hashPassword(password), role);
    if (!(await this.repository.insert(user))) throw AdminErrors.usernameTaken();
    return toConsoleUserView(user);
  }

  /**
   * Changes role, password and/or disabled state. A new password ends every session of that user;
   * disabling ends them too. Refused with CONFLICT when it would leave no active admin.
   */
  async updateUser(principal: AdminPrincipal, id: string, input: ConsoleUserUpdateInput): Promise<ConsoleUserView> {
    assertAccess(principal, ADMIN_ACCESS.usersWrite);
    const patch: ConsoleUserPatch = {};
    if (input.role !== undefined) patch.role = checkRole(input.role);
    if (input.disabled !== undefined) {
      if (typeof input.disabled !== 'boolean') throw KaosError.invalidField('disabled', 'must be a boolean');
      const current = await this.#find(id);
      if (input.disabled !== (current.disabledAt !== null)) patch.disabledAt = input.disabled ? this.clock.now() : null;
    }
    if (input.password !== undefined) {
      patch.passwordHash = await hashPassword(checkString('password', input.password, PASSWORD_RULE));
    }
    if (Object.keys(patch).length > 0) this.#check(await this.repository.update(this.#id(id), patch, this.clock.now()));
    return toConsoleUserView(await this.#find(id));
  }

  /** Deletes a console user; their sessions stop working at once. The last active admin stays. */
  async deleteUser(principal: AdminPrincipal, id: string): Promise<void> {
    assertAccess(principal, ADMIN_ACCESS.usersWrite);
    this.#check(await this.repository.delete(this.#id(id)));
  }

  async #find(id: string): Promise<ConsoleUserEntity> {
    const user = await this.repository.findById(this.#id(id));
    if (!user) throw AdminErrors.userNotFound();
    return user;
  }

  /** Ids are UUIDs; anything else cannot exist (and must not reach a uuid column as text). */
  #id(id: string): string {
    if (!isUuid(id)) throw AdminErrors.userNotFound();
    return id;
  }

  #check(result: GuardedResult): void {
    if (result === 'not-found') throw AdminErrors.userNotFound();
    if (result === 'last-admin') throw AdminErrors.lastAdmin();
  }

  #entity(username: string, passwordHash: string, role: ConsoleRole): ConsoleUserEntity {
    const now = this.clock.now();
    const user = new ConsoleUserEntity();
    Object.assign(user, { id: newId(), username, passwordHash, role, tokenVersion: 0, disabledAt: null, createdAt: now, updatedAt: now });
    return user;
  }
}

function checkRole(value: unknown): ConsoleRole {
  if (!isConsoleRole(value)) throw KaosError.invalidField('role', `must be one of ${CONSOLE_ROLES.join(', ')}`);
  return value;
}
