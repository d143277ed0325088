import { ErrorCode, toPublicError } from '@kaosnet/common';
import { encodeErrorMessage } from '../codec/error-payload.codec.js';
import type { KaosSession } from '../session/kaos-session.js';
import { Lane, type SessionLink } from '../session/session-link.js';

/** Something went wrong while serving a KaosTalk message; logged by the dispatcher's owner. */
export type InternalErrorLogger = (op: number, error: unknown) => void;

/**
 * The KaosTalk surface's one error mapping: KaosError → Error op (§2.6) with its catalogue code;
 * anything else → INTERNAL with the default message (logged, never echoed).
 */
export function errorMessageFor(error: unknown, op: number, cid: string | undefined, log: InternalErrorLogger): Buffer {
  const { publicError, internal } = toPublicError(error);
  if (internal) log(op, error);
  return encodeErrorMessage({
    code: publicError.code,
    message: publicError.message,
    op,
    ...(cid !== undefined ? { cid } : {}),
    ...(publicError.retryAfterMs !== undefined ? { retryAfterMs: publicError.retryAfterMs } : {}),
  });
}

export function codeError(code: ErrorCode, message: string, op: number, cid?: string, retryAfterMs?: number): Buffer {
  return encodeErrorMessage({ code, message, op, ...(cid !== undefined ? { cid } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

export function sendOnLink(link: SessionLink, message: Buffer): void {
  link.send(message, Lane.CONTROL);
}

export function sessionError(session: KaosSession, code: ErrorCode, message: string, op: number, cid?: string): void {
  session.send(codeError(code, message, op, cid), Lane.CONTROL);
}

