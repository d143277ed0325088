import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** POST /api/auth/email */
export class AuthEmailDto {
  @ApiProperty({ maxLength: 254, example: 'ann@example.com', description: 'Compared case-insensitively' })
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, example: 'correct horse battery', format: 'password' })
  @IsString()
  @Length(8, 1024)
  password: string;

  @ApiPropertyOptional({ default: true, description: 'Create the account when the email is new' })
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
