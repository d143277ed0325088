import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { ERROR_CATALOGUE, ErrorCode, KaosError, toPublicError, type PublicError } from '@kaosnet/common';

/**
 * The HTTP surface's one mapping of errors: KaosError → its catalogue status and `{code, message}`.
 * Nest's own HttpExceptions (body-parser, routing) are translated to the catalogue too, so clients
 * see one shape. Anything else is INTERNAL, logged with a correlation id, never echoed.
 */
@Catch()
export class KaosExceptionFilter implements ExceptionFilter {
  readonly #logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.map(exception);
    if (res.headersSent) return;
    if (body.code === ErrorCode.RATE_LIMITED && body.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', String(Math.ceil(body.retryAfterMs / 1000)));
    }
    res.status(status).json(body);
  }

  map(exception: unknown): { status: number; body: PublicError & { correlationId?: string } } {
    if (exception instanceof KaosError && exception.code !== ErrorCode.INTERNAL) {
      const { publicError } = toPublicError(exception);
      return { status: exception.httpStatus, body: publicError };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForStatus(status);
      if (code !== ErrorCode.INTERNAL) {
        return { status: ERROR_CATALOGUE[code].httpStatus, body: { code, message: httpMessage(exception, code) } };
      }
    }
    const correlationId = randomUUID();
    this.#logger.error(`Unhandled error ${correlationId}: ${describe(exception)}`, exception instanceof Error ? exception.stack : undefined);
    return { status: 500, body: { code: ErrorCode.INTERNAL, message: ERROR_CATALOGUE.INTERNAL.defaultMessage, correlationId } };
  }
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.BAD_REQUEST;
    case 401:
      return ErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
    case 405:
      return ErrorCode.NOT_FOUND;
    case 409:
      return ErrorCode.CONFLICT;
    case 413:
      return ErrorCode.TOO_LARGE;
    case 415:
      return ErrorCode.BAD_REQUEST;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 503:
      return ErrorCode.UNAVAILABLE;
    default:
      return status >= 400 && status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL;
  }
}

/** Framework messages are fixed strings (no user data), except body-parser's JSON errors. */
function httpMessage(exception: HttpException, code: ErrorCode): string {
  const response = exception.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (code === ErrorCode.BAD_REQUEST && typeof raw === 'string' && /JSON/i.test(raw)) return 'Malformed JSON body';
  if (code === ErrorCode.TOO_LARGE) return 'Request body too large';
  if (code === ErrorCode.NOT_FOUND) return 'Not found';
  return typeof raw === 'string' && raw.length <= 200 ? raw : ERROR_CATALOGUE[code].defaultMessage;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
