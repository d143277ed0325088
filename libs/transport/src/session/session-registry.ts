import { Subject } from 'rxjs';
import { KaosError, type Clock } from '@kaosnet/common';
import type { TransportOptions } from '../transport.options.js';
import { CLOSE_FOR_END, KaosSession, SessionEndReason, SessionState, type SessionIdentity } from './kaos-session.js';
import { Lane, type SessionLink } from './session-link.js';
import { encodeControlEvent } from '../codec/control-payload.codec.js';
import { Op } from '../codec/op-code.table.js';

export interface SessionEnded {
  session: KaosSession;
  reason: SessionEndReason;
}

export interface SessionListQuery {
  limit?: number;
  cursor?: string;
  /** Matches user id, username prefix, session id or remote address prefix. */
  search?: string;
}

/**
 * The live sessions of this process. Enforces `maxSessions` and one connection per session id
 * (§2.7), and announces ends on `ended$` so rooms and matchmaking can clean up.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, KaosSession>();
  readonly ended$ = new Subject<SessionEnded>();
  readonly started$ = new Subject<KaosSession>();
  #draining = false;

  constructor(
    private readonly options: TransportOptions,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.#sessions.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get(sessionId: string): KaosSession | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Whether a new session would be admitted now (used by RUDP admission before allocating). */
  hasCapacity(sessionId?: string): boolean {
    if (this.#draining) return false;
    if (sessionId !== undefined && this.#sessions.has(sessionId)) return true;
    return this.#sessions.size < this.options.maxSessions;
  }

  /**
   * Opens (or replaces) the session for `identity` on `link`. A live session with the same id on
   * another link is ended `replaced` first (Nakama single_socket).
   */
  open(identity: SessionIdentity, link: SessionLink): KaosSession {
    if (this.#draining) throw KaosError.unavailable('Server is shutting down');
    const existing = this.#sessions.get(identity.sessionId);
    if (existing && existing.link !== link) {
      this.end(existing, SessionEndReason.REPLACED);
    }
    if (this.#sessions.size >= this.options.maxSessions) {
      throw KaosError.unavailable(`Server full: ${this.options.maxSessions} sessions`, { reason: 'SERVER_FULL' });
    }
    const session = new KaosSession(identity, link, this.clock.now(), this.options);
    session.state = SessionState.ACTIVE;
    this.#sessions.set(session.sessionId, session);
    this.started$.next(session);
    return session;
  }

  /**
   * Ends a session: tells the client why (unless the link is already gone), closes the link
   * with the matching reason and announces it. Idempotent.
   */
  end(session: KaosSession, reason: SessionEndReason): void {
    if (session.state === SessionState.ENDED) return;
    // Mark first: sending SessionEnd may itself overflow the link and re-enter end().
    session.state = SessionState.ENDED;
    if (this.#sessions.get(session.sessionId) === session) this.#sessions.delete(session.sessionId);
    if (reason !== SessionEndReason.DISCONNECTED) {
      session.link.send(encodeControlEvent(Op.SessionEnd, { reason }), Lane.CONTROL);
      session.link.close(CLOSE_FOR_END[reason]);
    }
    this.ended$.next({ session, reason });
  }

  /** Admin / game kick: SessionEnd `kicked`, then close. */
  kick(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (!session) throw KaosError.notFound('Session not found');
    this.end(session, SessionEndReason.KICKED);
  }

  /** Sessions of one user (a user may hold several REST sessions, each with its own socket). */
  byUser(userId: string): KaosSession[] {
    const out: KaosSession[] = [];
    for (const s of this.#sessions.values()) if (s.userId === userId) out.push(s);
    return out;
  }

  list(query: SessionListQuery = {}): { sessions: KaosSession[]; cursor?: string } {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const search = query.search?.toLowerCase();
    const all = [...this.#sessions.values()]
      .filter((s) => !search || s.userId === search || s.sessionId === search || (s.username ?? '').toLowerCase().startsWith(search) || s.link.remoteAddress.startsWith(search))
      .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));
    const start = query.cursor ? all.findIndex((s) => s.sessionId > query.cursor!) : 0;
    const page = start < 0 ? [] : all.slice(start, start + limit);
    const cursor = page.length === limit && start + limit < all.length ? page[page.length - 1]!.sessionId : undefined;
    return { sessions: page, cursor };
  }

  all(): IterableIterator<KaosSession> {
    return this.#sessions.values();
  }

  /** Shutdown: refuse new sessions and end every live one with SessionEnd `shutdown`. */
  drain(): number {
    this.#draining = true;
    const n = this.#sessions.size;
    for (const s of [...this.#sessions.values()]) this.end(s, SessionEndReason.SHUTDOWN);
    return n;
  }

  /** Final shutdown: drain and complete the streams. */
  dispose(): void {
    this.drain();
    this.ended$.complete();
    this.started$.complete();
  }
}
