import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '@kaosnet/common';

/** The one error body of the HTTP surface (see KaosExceptionFilter). */
export class ErrorResponseDto {
  @ApiProperty({ enum: Object.values(ErrorCode), example: 'BAD_REQUEST', description: 'Code from the closed catalogue' })
  code: string;

  @ApiProperty({ example: 'deviceId: must be longer than or equal to 10 characters', description: 'Human-readable; names the field for validation errors' })
  message: string;

  @ApiPropertyOptional({ example: 'INVALID_FIELD', description: 'Stable feature reason (e.g. EMAIL_LOCKED, REFRESH_TOKEN_REUSED)' })
  reason?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { field: 'deviceId' } })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 900000, description: 'RATE_LIMITED only: wait this long (ms) before retrying' })
  retryAfterMs?: number;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_REQUEST: malformed JSON, a missing, unknown or invalid field (named in the message)',
  401: 'UNAUTHORIZED: missing/invalid server key or token, expired or ended session, bad credentials, reused refresh token',
  403: 'FORBIDDEN: the account is banned',
  404: 'NOT_FOUND: no such account (or link)',
  409: 'CONFLICT: username, device, email or custom id already taken',
  413: 'TOO_LARGE: body, metadata or vars over their limit',
  429: 'RATE_LIMITED: the email is locked after repeated failed logins (reason EMAIL_LOCKED, retryAfterMs)',
  500: 'INTERNAL: unexpected error (logged with a correlation id)',
};

/** Documents the listed error statuses with the shared error body. */
export function ApiErrors(...statuses: (keyof typeof DESCRIPTIONS)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...[...statuses, 500].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })));
}
