import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '@kaosnet/common';

/** The error body of every admin route (the catalogue shape of the global exception filter). */
export class AdminErrorResponseDto {
  @ApiProperty({ enum: ERROR_CODES, example: 'FORBIDDEN' })
  code: ErrorCode;

  @ApiProperty({ example: 'This operation requires role admin or higher' })
  message: string;

  @ApiPropertyOptional({ example: 'ADMIN_ACCESS_DENIED', description: 'Stable machine-readable reason' })
  reason?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { field: 'username' } })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'For RATE_LIMITED: milliseconds to wait', example: 900000 })
  retryAfterMs?: number;
}
