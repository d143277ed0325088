import { ErrorCode, KaosError, type Clock } from '@kaosnet/common';
import { encodeControlReply } from '../codec/control-payload.codec.js';
import { MAX_KT_PAYLOAD } from '../codec/kaostalk.constants.js';
import { Op } from '../codec/op-code.table.js';
import { CloseReason } from '../codec/protocol-error.js';
import { codeError, errorMessageFor, type InternalErrorLogger } from '../dispatch/send-error.js';
import type { TransportOptions } from '../transport.options.js';
import type { KaosSession, SessionIdentity } from './kaos-session.js';
import { Lane, type SessionLink } from './session-link.js';
import type { SessionRegistry } from './session-registry.js';

/**
 * Who the holder of a validated connect token is. Implemented by the server with the accounts
 * service: fills in username and session vars, and refuses banned users and revoked sessions.
 */
export interface SessionAuthority {
  resolve(userId: string, sessionId: string): Promise<SessionIdentity | null>;
}

/** The token facts the session layer needs (from the handshake on RUDP, from SessionStart on WS). */
export interface VerifiedToken {
  userId: string;
  sessionId: string;
  idleTimeoutMs: number;
}

/**
 * SessionStart (§2.4, §2.7), shared by both transports: validates the request, resolves the
 * identity, opens the session in the registry (single connection per session id, max sessions),
 * and answers SessionAck. On failure it answers an Error and closes the link.
 */
export class SessionStarter {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly authority: SessionAuthority,
    private readonly options: TransportOptions,
    private readonly clock: Clock,
    private readonly logInternal: InternalErrorLogger,
  ) {}

  async start(link: SessionLink, token: VerifiedToken, cid: string, body: Record<string, unknown>): Promise<KaosSession | null> {
    if (body['v'] !== 1) {
      link.send(codeError(ErrorCode.BAD_REQUEST, 'unsupported protocol version: v must be 1', Op.SessionStart, cid), Lane.CONTROL);
      link.close(CloseReason.PROTOCOL_ERROR);
      return null;
    }
    const client = body['client'];
    const lang = body['lang'];
    if ((client !== undefined && (typeof client !== 'string' || client.length > 128)) || (lang !== undefined && (typeof lang !== 'string' || lang.length > 32))) {
      link.send(codeError(ErrorCode.BAD_REQUEST, 'client must be a string ≤ 128 chars, lang ≤ 32', Op.SessionStart, cid), Lane.CONTROL);
      return null;
    }
    try {
      const identity = await this.authority.resolve(token.userId, token.sessionId);
      if (!identity) throw KaosError.unauthorized('Session revoked or account banned');
      const session = this.registry.open(identity, link);
      if (typeof client === 'string') session.client = client;
      if (typeof lang === 'string') session.lang = lang;
      link.send(
        encodeControlReply(Op.SessionAck, cid, {
          sessionId: session.sessionId,
          userId: session.userId,
          serverTimeMs: this.clock.now(),
          idleTimeoutMs: token.idleTimeoutMs || this.options.idleTimeoutMs,
          maxPayload: MAX_KT_PAYLOAD,
        }),
        Lane.CONTROL,
      );
      return session;
    } catch (error) {
      link.send(errorMessageFor(error, Op.SessionStart, cid, this.logInternal), Lane.CONTROL);
      const code = error instanceof KaosError ? error.code : ErrorCode.INTERNAL;
      link.close(code === ErrorCode.UNAUTHORIZED ? CloseReason.UNAUTHORIZED : code === ErrorCode.UNAVAILABLE ? CloseReason.SHUTDOWN : CloseReason.INTERNAL);
      return null;
    }
  }
}
