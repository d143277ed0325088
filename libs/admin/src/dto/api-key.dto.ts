import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { ADMIN_SCOPES, type AdminScope } from '../admin-access.js';
import type { ApiKeyView } from '../api-keys.service.js';

export class ApiKeyCreateDto {
  @ApiProperty({ example: 'ci-deploy', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty({ enum: ADMIN_SCOPES, isArray: true, example: ['accounts:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ADMIN_SCOPES.length)
  @IsIn(ADMIN_SCOPES, { each: true })
  scopes: AdminScope[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Must be in the future; omitted: the key does not expire' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ADMIN_SCOPES, isArray: true })
  scopes: AdminScope[];

  @ApiProperty({ example: 'kn_Ab3dE9xQ', description: 'The first characters of the key, to recognise it' })
  prefix: string;

  @ApiProperty({ nullable: true, type: String, example: 'console-user:7b1c…', description: 'Who created it' })
  createdBy: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  expiresAt: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revokedAt: string | null;

  @ApiProperty({ description: 'Neither revoked nor expired' })
  active: boolean;
}

export class ApiKeyCreatedResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ example: 'kn_…', description: 'The key itself. Shown only in this response: store it now.' })
  key: string;
}

export class ApiKeyListResponseDto {
  @ApiProperty({ type: [ApiKeyResponseDto] })
  apiKeys: ApiKeyResponseDto[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toApiKeyResponse(view: ApiKeyView): ApiKeyResponseDto {
  return {
    id: view.id,
    name: view.name,
    scopes: view.scopes,
    prefix: view.prefix,
    createdBy: view.createdBy,
    createdAt: new Date(view.createdAt).toISOString(),
    expiresAt: iso(view.expiresAt),
    revokedAt: iso(view.revokedAt),
    active: view.active,
  };
}
