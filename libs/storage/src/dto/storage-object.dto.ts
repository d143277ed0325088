import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { StorageAck, StorageObject, StoragePage } from '../storage.types.js';

export class StorageObjectResponseDto {
  @ApiProperty({ example: 'inventory' })
  collection: string;
  @ApiProperty({ example: 'sword' })
  key: string;
  @ApiProperty({ type: String, nullable: true, description: 'Owner; null for server-owned objects' })
  userId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { damage: 50, level: 10 } })
  value: Record<string, unknown>;
  @ApiProperty({ example: 'q1Zb0kPm7xYc', description: 'Opaque; pass it back as `version` for compare-and-swap' })
  version: string;
  @ApiProperty({ enum: [0, 1, 2], description: '0 server only, 1 owner, 2 public' })
  permissionRead: number;
  @ApiProperty({ enum: [0, 1], description: '0 server only, 1 owner' })
  permissionWrite: number;
  @ApiProperty({ example: 1767225600000, description: 'Epoch ms' })
  createdAt: number;
  @ApiProperty({ example: 1767225600000, description: 'Epoch ms' })
  updatedAt: number;
}

export class StorageAckDto {
  @ApiProperty() collection: string;
  @ApiProperty() key: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ description: 'The new version' }) version: string;
}

export class StorageWriteResponseDto {
  @ApiProperty({ type: [StorageAckDto] })
  acks: StorageAckDto[];
}

export class StorageReadResponseDto {
  @ApiProperty({ type: [StorageObjectResponseDto] })
  objects: StorageObjectResponseDto[];
}

export class StoragePageResponseDto extends StorageReadResponseDto {
  @ApiPropertyOptional({ description: 'Present when more may follow; pass back unchanged' })
  cursor?: string;
}

export const toStorageObjectResponse = (o: StorageObject): StorageObjectResponseDto => ({ ...o });
export const toStorageAckResponse = (a: StorageAck): StorageAckDto => ({ ...a });
export function toStoragePageResponse(page: StoragePage): StoragePageResponseDto {
  const objects = page.objects.map(toStorageObjectResponse);
  return page.cursor === undefined ? { objects } : { objects, cursor: page.cursor };
}
