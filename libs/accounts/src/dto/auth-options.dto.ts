import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Length } from 'class-validator';

/** Fields every authenticate call shares; the per-method DTOs add their identifier. */
export abstract class AuthOptionsDto {
  @ApiPropertyOptional({
    default: true,
    description: 'Create the account when the identifier is new. false answers 404 for an unknown device or custom id, and 401 for an unknown email (emails are not revealed)',
  })
  @IsOptional()
  @IsBoolean()
  create?: boolean;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$', description: 'For a new account; generated when absent' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  username?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { platform: 'ios' }, description: 'Session variables (≤ 32 entries, ≤ 2 KiB)' })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;
}
