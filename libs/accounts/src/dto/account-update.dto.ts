import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** PUT /api/account: absent fields are unchanged; `null` clears displayName, avatarUrl, location, timezone. */
export class AccountUpdateDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$', description: 'Unique (case-insensitive)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  username?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  displayName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  avatarUrl?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, example: 'en' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  lang?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  location?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, example: 'Europe/Paris' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'A JSON object of at most 16 KiB; replaces the stored one' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
