import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { AdminLoginResult } from '../admin-auth.service.js';
import { ConsoleUserResponseDto, toConsoleUserResponse } from './console-user.dto.js';

export class AdminLoginDto {
  @ApiProperty({ example: 'admin', maxLength: 64 })
  @IsString()
  @Length(1, 64)
  username: string;

  @ApiProperty({ example: 'admin', maxLength: 256 })
  @IsString()
  @Length(1, 256)
  password: string;
}

export class AdminLoginResponseDto {
  @ApiProperty({ description: 'Console token (JWT, audience "console"): send as Authorization: Bearer <token>' })
  token: string;

  @ApiProperty({ example: 1767254400000, description: 'When the token expires, epoch ms' })
  expiresAt: number;

  @ApiProperty({ type: ConsoleUserResponseDto })
  user: ConsoleUserResponseDto;
}

export function toAdminLoginResponse(result: AdminLoginResult): AdminLoginResponseDto {
  return { token: result.token, expiresAt: result.expiresAt, user: toConsoleUserResponse(result.user) };
}
