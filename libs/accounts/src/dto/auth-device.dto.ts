import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Length } from 'class-validator';

/** POST /api/auth/device */
export class AuthDeviceDto {
  @ApiProperty({ minLength: 10, maxLength: 128, example: 'f4b3c2a1-device-0001', description: 'A stable id of the device (10-128 characters)' })
  @IsString()
  @Length(10, 128)
  deviceId: string;

  @ApiPropertyOptional({ default: true, description: 'Create the account when the id is new; false answers 404 for an unknown id' })
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
