/**
 * The closed error catalogue shared by every surface (HTTP, KaosTalk Error op §2.6, Lua).
 * Adding a code is a protocol change: KaosTalk clients treat unknown codes as INTERNAL.
 */
export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_LARGE: 'TOO_LARGE',
  UNKNOWN_OP: 'UNKNOWN_OP',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface CatalogueEntry {
  readonly httpStatus: number;
  readonly defaultMessage: string;
}

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, CatalogueEntry>> = {
  BAD_REQUEST: { httpStatus: 400, defaultMessage: 'Bad request' },
  UNAUTHORIZED: { httpStatus: 401, defaultMessage: 'Unauthorized' },
  FORBIDDEN: { httpStatus: 403, defaultMessage: 'Forbidden' },
  NOT_FOUND: { httpStatus: 404, defaultMessage: 'Not found' },
  CONFLICT: { httpStatus: 409, defaultMessage: 'Conflict' },
  RATE_LIMITED: { httpStatus: 429, defaultMessage: 'Too many requests' },
  TOO_LARGE: { httpStatus: 413, defaultMessage: 'Payload too large' },
  UNKNOWN_OP: { httpStatus: 400, defaultMessage: 'Unknown operation' },
  UNAVAILABLE: { httpStatus: 503, defaultMessage: 'Service unavailable' },
  INTERNAL: { httpStatus: 500, defaultMessage: 'Internal error' },
};

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
