import { Inject, Injectable } from '@nestjs/common';
import { Clock, KAOS_CONFIG, newId, randomToken, sha256Hex, signJwt, verifyJwt, type KaosConfig } from '@kaosnet/common';
import { AccountsErrors } from './accounts.errors.js';
import { AuthSessionsRepository } from './auth-sessions.repository.js';

/** What every authenticate and refresh call answers. */
export interface AuthSession {
  /** Access token (JWT, audience `player`). Send as `Authorization: Bearer <token>`. */
  token: string;
  /** Opaque, single-use: each refresh returns a new one. */
  refreshToken: string;
  userId: string;
  username: string;
  /** When `token` expires, epoch milliseconds. */
  expiresAt: number;
  /** True when this call created the account. */
  created: boolean;
}

/** The identity an access token proves, once signature, expiry and session are checked. */
export interface VerifiedAccess {
  userId: string;
  sessionId: string;
  username: string;
  vars: Record<string, string>;
  /** Access token expiry, epoch ms. */
  expiresAt: number;
}

export const PLAYER_AUDIENCE = 'player';
const MAX_REFRESH_TOKEN_LENGTH = 256;
/**
 * Revocation check of access tokens: every verification needs "is this session still live?".
 * Chosen: read the session row, through a small in-process cache. Revocations made by this
 * process take effect at once (the cache is updated as they happen); a row read says "live" for
 * at most LIVE_CACHE_MS, so a revocation made by another server process sharing the database
 * takes effect within that time. Survives restarts by construction (the database is the truth),
 * and costs one primary-key read per session every few seconds instead of one per request.
 * An in-memory revoked-set loaded at start would be exact only for a single process.
 */
const LIVE_CACHE_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

/**
 * Issues and checks player tokens: short-lived JWT access tokens bound to a session, and opaque
 * rotating refresh tokens (stored as SHA-256 only). Presenting a refresh token twice ends its
 * session (OAuth-style reuse detection): a stolen-and-used token cannot live on unnoticed.
 */
@Injectable()
export class SessionTokens {
  readonly #secret: string;
  readonly #cache = new Map<string, { live: boolean; checkedAt: number }>();

  constructor(
    private readonly sessions: AuthSessionsRepository,
    private readonly clock: Clock,
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
  ) {
    if (!config.jwtSecret) throw new Error('KaosConfig.jwtSecret must be resolved before SessionTokens is created');
    this.#secret = config.jwtSecret;
  }

  /** Starts a session for a signed-in account. */
  async start(account: { id: string; username: string }, vars: Record<string, string>, created: boolean): Promise<AuthSession> {
    const now = this.clock.now();
    const sessionId = newId();
    const refreshToken = randomToken(32);
    await this.sessions.create({
      id: sessionId,
      userId: account.id,
      vars,
      now,
      refreshHash: sha256Hex(refreshToken),
      refreshExpiresAt: now + this.config.auth.refreshTokenTtlSec * 1000,
    });
    this.#remember(sessionId, true);
    return { ...this.#sign(account.id, sessionId, account.username, vars, now), refreshToken, created };
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token. The old one is
   * spent. Refused: unknown, expired, already used (which also ends the session), ended session,
   * banned account.
   */
  async refresh(refreshToken: string): Promise<AuthSession> {
    if (typeof refreshToken !== 'string' || refreshToken.length === 0 || refreshToken.length > MAX_REFRESH_TOKEN_LENGTH) {
      throw AccountsErrors.invalidRefreshToken();
    }
    const now = this.clock.now();
    const hash = sha256Hex(refreshToken);
    const state = await this.sessions.findRefreshToken(hash);
    if (!state) throw AccountsErrors.invalidRefreshToken();
    if (state.usedAt !== null) {
      await this.end(state.sessionId, 'refresh-reuse');
      throw AccountsErrors.refreshTokenReused();
    }
    if (state.bannedAt !== null) throw AccountsErrors.accountBanned();
    if (state.sessionRevokedAt !== null) throw AccountsErrors.sessionRevoked();
    if (state.expiresAt <= now) throw AccountsErrors.refreshTokenExpired();
    const next = randomToken(32);
    const rotated = await this.sessions.rotate(hash, {
      hash: sha256Hex(next),
      sessionId: state.sessionId,
      now,
      expiresAt: now + this.config.auth.refreshTokenTtlSec * 1000,
    });
    if (!rotated) {
      // Someone spent this token between our read and our write: same as a reuse.
      await this.end(state.sessionId, 'refresh-reuse');
      throw AccountsErrors.refreshTokenReused();
    }
    return { ...this.#sign(state.userId, state.sessionId, state.username, state.vars, now), refreshToken: next, created: false };
  }

  /** Ends a session: its refresh token stops working and its access tokens are refused at once. */
  async end(sessionId: string, reason: string): Promise<void> {
    await this.sessions.revoke(sessionId, this.clock.now(), reason);
    this.#remember(sessionId, false);
  }

  /** Ends the session a refresh token belongs to, if it belongs to `userId` (else does nothing). */
  async endByRefreshToken(userId: string, refreshToken: string, reason: string): Promise<void> {
    if (typeof refreshToken !== 'string' || refreshToken.length > MAX_REFRESH_TOKEN_LENGTH) return;
    const state = await this.sessions.findRefreshToken(sha256Hex(refreshToken));
    if (state && state.userId === userId) await this.end(state.sessionId, reason);
  }

  /** Records sessions ended elsewhere in this process (ban, delete) so their tokens stop at once. */
  forget(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.#remember(id, false);
  }

  /**
   * Checks an access token: signature (HS256, fixed header), audience `player`, expiry, and that
   * its session is still live. Throws UNAUTHORIZED (reason INVALID_TOKEN, TOKEN_EXPIRED or
   * SESSION_REVOKED) otherwise.
   *
   * @example
   * const { userId, sessionId } = await sessionTokens.verifyAccessToken(bearer);
   */
  async verifyAccessToken(token: string): Promise<VerifiedAccess> {
    const result = verifyJwt(token, this.#secret, PLAYER_AUDIENCE, this.clock.now());
    if (!result.ok) throw result.reason === 'expired' ? AccountsErrors.tokenExpired() : AccountsErrors.invalidToken();
    const { sub, sid, usn, vars, exp } = result.claims;
    if (typeof sid !== 'string' || typeof usn !== 'string' || typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
      throw AccountsErrors.invalidToken();
    }
    if (!(await this.#isLive(sid, sub))) throw AccountsErrors.sessionRevoked();
    return { userId: sub, sessionId: sid, username: usn, vars: vars as Record<string, string>, expiresAt: exp * 1000 };
  }

  #sign(userId: string, sessionId: string, username: string, vars: Record<string, string>, now: number): Omit<AuthSession, 'refreshToken' | 'created'> {
    const iat = Math.floor(now / 1000);
    const exp = iat + this.config.auth.accessTokenTtlSec;
    const token = signJwt({ sub: userId, sid: sessionId, usn: username, vars, iat, exp, aud: PLAYER_AUDIENCE }, this.#secret);
    return { token, userId, username, expiresAt: exp * 1000 };
  }

  async #isLive(sessionId: string, userId: string): Promise<boolean> {
    const hit = this.#cache.get(sessionId);
    if (hit && (!hit.live || this.clock.monotonic() - hit.checkedAt < LIVE_CACHE_MS)) return hit.live;
    const state = await this.sessions.state(sessionId);
    const live = state !== null && state.revokedAt === null && state.userId === userId;
    // An ended session can be forgotten by the cache later and re-read: the row stays ended.
    this.#remember(sessionId, live);
    return live;
  }

  #remember(sessionId: string, live: boolean): void {
    this.#cache.delete(sessionId);
    this.#cache.set(sessionId, { live, checkedAt: this.clock.monotonic() });
    if (this.#cache.size > CACHE_MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
  }
}
