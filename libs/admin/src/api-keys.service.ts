import { Injectable } from '@nestjs/common';
import { checkString, Clock, isUuid, KaosError, newId, randomToken, sha256Hex } from '@kaosnet/common';
import { ADMIN_ACCESS, assertAccess, isAdminScope, type AdminPrincipal, type AdminScope } from './admin-access.js';
import { AdminErrors } from './admin.errors.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

/** Every API key starts with this, so the guard tells keys from console tokens without a lookup. */
export const API_KEY_PREFIX = 'kn_';
const API_KEY_RE = /^kn_[A-Za-z0-9_-]{43}$/;
/** How much of the key is kept in clear for recognition: `kn_` + 8 characters (48 bits, not enough to guess the rest). */
const VISIBLE_PREFIX_LENGTH = 11;

/** An API key as shown in lists: never the key itself. Times are epoch ms. */
export interface ApiKeyView {
  id: string;
  name: string;
  scopes: AdminScope[];
  prefix: string;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Not revoked and not expired at the time of the call. */
  active: boolean;
}

export interface ApiKeyCreateInput {
  name: unknown;
  scopes: unknown;
  /** Epoch ms in the future, or undefined/null for a key that does not expire. */
  expiresAt?: unknown;
}

/**
 * API keys for automation: created by an admin, the plaintext returned once, only its SHA-256
 * stored. A key authenticates as `Authorization: Bearer kn_…` and passes routes by scope.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly clock: Clock,
  ) {}

  /** Creates a key. The returned `key` is the only time the plaintext exists outside the caller. */
  async createKey(principal: AdminPrincipal, input: ApiKeyCreateInput): Promise<{ apiKey: ApiKeyView; key: string }> {
    assertAccess(principal, ADMIN_ACCESS.apiKeysWrite);
    const name = checkString('name', input.name, { min: 1, max: 64 });
    const scopes = checkScopes(input.scopes);
    if (principal.kind === 'api-key') {
      const missing = scopes.find((s) => !principal.scopes.includes(s));
      if (missing) throw AdminErrors.scopeNotHeld(missing);
    }
    const now = this.clock.now();
    let expiresAt: number | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      if (typeof input.expiresAt !== 'number' || !Number.isFinite(input.expiresAt)) throw KaosError.invalidField('expiresAt', 'must be a date');
      if (input.expiresAt <= now) throw KaosError.invalidField('expiresAt', 'must be in the future');
      expiresAt = Math.floor(input.expiresAt);
    }
    const key = `${API_KEY_PREFIX}${randomToken(32)}`;
    const entity = new ApiKeyEntity();
    Object.assign(entity, {
      id: newId(),
      name,
      keyHash: sha256Hex(key),
      keyPrefix: key.slice(0, VISIBLE_PREFIX_LENGTH),
      scopes,
      createdBy: principal.actor,
      createdAt: now,
      expiresAt,
      revokedAt: null,
    });
    await this.repository.insert(entity);
    return { apiKey: this.#view(entity, now), key };
  }

  async listKeys(principal: AdminPrincipal): Promise<ApiKeyView[]> {
    assertAccess(principal, ADMIN_ACCESS.apiKeysRead);
    const now = this.clock.now();
    return (await this.repository.list()).map((k) => this.#view(k, now));
  }

  /** Revokes at once: the next request with the key is refused. Revoking twice is allowed. */
  async revokeKey(principal: AdminPrincipal, id: string): Promise<void> {
    assertAccess(principal, ADMIN_ACCESS.apiKeysWrite);
    if (!isUuid(id) || !(await this.repository.revoke(id, this.clock.now()))) throw AdminErrors.apiKeyNotFound();
  }

  /** The principal of a presented key, or null when it is unknown, revoked or expired. */
  async resolveKey(presented: string): Promise<Extract<AdminPrincipal, { kind: 'api-key' }> | null> {
    if (!API_KEY_RE.test(presented)) return null;
    const key = await this.repository.findByHash(sha256Hex(presented));
    if (!key || !isActive(key, this.clock.now())) return null;
    return { kind: 'api-key', id: key.id, name: key.name, scopes: key.scopes.filter(isAdminScope), actor: `api-key:${key.id}` };
  }

  #view(key: ApiKeyEntity, now: number): ApiKeyView {
    return {
      id: key.id,
      name: key.name,
      scopes: key.scopes.filter(isAdminScope),
      prefix: key.keyPrefix,
      createdBy: key.createdBy,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      revokedAt: key.revokedAt,
      active: isActive(key, now),
    };
  }
}

function isActive(key: ApiKeyEntity, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}

function checkScopes(value: unknown): AdminScope[] {
  if (!Array.isArray(value) || value.length === 0) throw KaosError.invalidField('scopes', 'must be a non-empty list of scopes');
  const out = new Set<AdminScope>();
  for (const scope of value) {
    if (!isAdminScope(scope)) throw KaosError.invalidField('scopes', `unknown scope ${JSON.stringify(String(scope)).slice(0, 80)}`);
    out.add(scope);
  }
  return [...out];
}
