import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
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

  @ApiPropertyOptional({ example: 1798761600000, description: 'Expiry, epoch ms; must be in the future. Omitted: the key does not expire' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expiresAt?: number;
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

  @ApiProperty({ example: 1767225600000, description: 'Epoch ms' })
  createdAt: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms; null: never expires' })
  expiresAt: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms; null: not revoked' })
  revokedAt: number | null;

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

export function toApiKeyResponse(view: ApiKeyView): ApiKeyResponseDto {
  return {
    id: view.id,
    name: view.name,
    scopes: view.scopes,
    prefix: view.prefix,
    createdBy: view.createdBy,
    createdAt: view.createdAt,
    expiresAt: view.expiresAt,
    revokedAt: view.revokedAt,
    active: view.active,
  };
}
