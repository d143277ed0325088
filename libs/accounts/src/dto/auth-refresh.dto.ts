import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

/** POST /api/auth/refresh */
export class AuthRefreshDto {
  @ApiProperty({ minLength: 1, maxLength: 256, description: 'The refresh token from the last authenticate or refresh answer (single use)' })
  @IsString()
  @Length(1, 256)
  refreshToken: string;
}

/** POST /api/auth/logout */
export class AuthLogoutDto {
  @ApiPropertyOptional({ maxLength: 256, description: "Also end the session this refresh token belongs to (if it is the caller's)" })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  refreshToken?: string;
}
