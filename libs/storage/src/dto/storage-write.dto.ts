import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

/** Shapes only: lengths, permissions, sizes and versions are checked by StorageService. */
export class StorageObjectWriteDto {
  @ApiProperty({ example: 'inventory' })
  @IsString()
  collection: string;

  @ApiProperty({ example: 'sword' })
  @IsString()
  key: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { damage: 50, level: 10 }, description: 'A JSON object, at most 256 KiB by default' })
  @IsObject()
  value: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Omitted: last write wins. "*": create only. A version: update only if unchanged (else 409, nothing written)' })
  @IsOptional()
  @IsString()
  version?: string;

  @ApiPropertyOptional({ enum: [0, 1, 2], default: 1 })
  @IsOptional()
  @IsInt()
  @IsIn([0, 1, 2])
  permissionRead?: number;

  @ApiPropertyOptional({ enum: [0, 1], default: 1 })
  @IsOptional()
  @IsInt()
  @IsIn([0, 1])
  permissionWrite?: number;
}

export class StorageWriteDto {
  @ApiProperty({ type: [StorageObjectWriteDto], maxItems: 100 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StorageObjectWriteDto)
  objects: StorageObjectWriteDto[];
}
