import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue.js';

export interface KaosErrorOptions {
  /** Stable machine-readable reason owned by a feature (`EMAIL_LOCKED`), safe to show clients. */
  reason?: string;
  /** Public structured details (e.g. the offending field); never secrets. */
  details?: Record<string, unknown>;
  /** For RATE_LIMITED: how long the client should wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The one application error type. Services throw it; each surface maps it exactly once
 * (HTTP exception filter, KaosTalk dispatch wrapper, Lua binding wrapper).
 */
export class KaosError extends Error {
  readonly code: ErrorCode;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message?: string, options: KaosErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].defaultMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KaosError';
    this.code = code;
    this.reason = options.reason;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }

  static badRequest(message: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.BAD_REQUEST, message, options);
  }
  /** A field failed validation; the field name travels in the message and in details. */
  static invalidField(field: string, problem: string): KaosError {
    return new KaosError(ErrorCode.BAD_REQUEST, `${field}: ${problem}`, { reason: 'INVALID_FIELD', details: { field } });
  }
  static unauthorized(message?: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.UNAUTHORIZED, message, options);
  }
  static forbidden(message?: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.FORBIDDEN, message, options);
  }
  static notFound(message?: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.NOT_FOUND, message, options);
  }
  static conflict(message?: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.CONFLICT, message, options);
  }
  static rateLimited(message: string, retryAfterMs: number, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.RATE_LIMITED, message, { ...options, retryAfterMs });
  }
  static tooLarge(message: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.TOO_LARGE, message, options);
  }
  static unavailable(message?: string, options?: KaosErrorOptions): KaosError {
    return new KaosError(ErrorCode.UNAVAILABLE, message, options);
  }
  static internal(cause?: unknown): KaosError {
    return new KaosError(ErrorCode.INTERNAL, undefined, { cause });
  }
}

/** The public shape of an error on every surface: code + message (+ optional reason/details). */
export interface PublicError {
  code: ErrorCode;
  message: string;
  reason?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
}

/**
 * Converts anything thrown into what a client may see. Unknown throwables become INTERNAL with the
 * catalogue's default message: their text may hold SQL, paths or secrets, so it is never echoed.
 */
export function toPublicError(error: unknown): { publicError: PublicError; internal: boolean } {
  if (error instanceof KaosError && error.code !== ErrorCode.INTERNAL) {
    const publicError: PublicError = { code: error.code, message: error.message };
    if (error.reason !== undefined) publicError.reason = error.reason;
    if (error.details !== undefined) publicError.details = error.details;
    if (error.retryAfterMs !== undefined) publicError.retryAfterMs = error.retryAfterMs;
    return { publicError, internal: false };
  }
  return { publicError: { code: ErrorCode.INTERNAL, message: ERROR_CATALOGUE.INTERNAL.defaultMessage }, internal: true };
}
