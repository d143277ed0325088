import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Length } from 'class-validator';

/** POST /api/auth/custom */
export class AuthCustomDto {
  @ApiProperty({ minLength: 6, maxLength: 128, example: 'steam:7656119', description: "An id from the game's own identity system (6-128 characters)" })
  @IsString()
  @Length(6, 128)
  id: string;

  @ApiPropertyOptional({ default: true, description: 'Create the account when the id is new; false answers 404 for an unknown id' })
  @IsOptional()
  @IsBoolean()
  create?: boolean;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$', description: 'For a new account; generated when absent' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  username?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Session variables (≤ 32 entries, ≤ 2 KiB)' })
  @IsOptional()
  @IsObject()
  vars?: Record<string, string>;
}
