import { ApiProperty } from '@nestjs/swagger';
import type { AuthSession } from '../session-tokens.service.js';

/** The answer of every authenticate and refresh call. */
export class AuthSessionResponseDto {
  @ApiProperty({ description: 'Access token (JWT). Send as `Authorization: Bearer <token>`.' })
  token: string;

  @ApiProperty({ description: 'Opaque refresh token; single use, each refresh returns a new one' })
  refreshToken: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ example: 'k3v7qz2mna' })
  username: string;

  @ApiProperty({ example: 1767229200000, description: 'Access token expiry, epoch milliseconds' })
  expiresAt: number;

  @ApiProperty({ description: 'True when this call created the account' })
  created: boolean;
}

export function toAuthSessionResponse(s: AuthSession): AuthSessionResponseDto {
  return { token: s.token, refreshToken: s.refreshToken, userId: s.userId, username: s.username, expiresAt: s.expiresAt, created: s.created };
}
