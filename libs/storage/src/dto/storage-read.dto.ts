import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateNested, Allow } from 'class-validator';

export class StorageObjectIdDto {
  @ApiProperty() @IsString() collection: string;
  @ApiProperty() @IsString() key: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: "Owner; omitted = the caller's own, null = server-owned" })
  @IsOptional()
  @IsString()
  userId?: string | null;
}

export class StorageReadDto {
  @ApiProperty({ type: [StorageObjectIdDto], maxItems: 100 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StorageObjectIdDto)
  ids: StorageObjectIdDto[];
}

export class StorageDeleteIdDto {
  @ApiProperty() @IsString() collection: string;
  @ApiProperty() @IsString() key: string;
  @ApiPropertyOptional({ description: 'Delete only if unchanged (else 409, nothing deleted)' })
  @IsOptional()
  @IsString()
  version?: string;
}

export class StorageDeleteDto {
  @ApiProperty({ type: [StorageDeleteIdDto], maxItems: 100 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StorageDeleteIdDto)
  ids: StorageDeleteIdDto[];
}

export class StorageListQueryDto {
  @ApiPropertyOptional({ description: "Only this owner's objects" })
  @IsOptional()
  @IsString()
  userId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class StorageQueryDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: "Only this owner's objects (null = server-owned)" })
  @IsOptional()
  @IsString()
  userId?: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { level: { $gte: 5 }, 'stats.class': { $in: ['mage', 'rogue'] } }, description: 'MongoDB-syntax filter: $eq $ne $gt $gte $lt $lte $in $nin $exists $not $and $or $nor $contains' })
  @IsObject()
  filter: Record<string, unknown>;

  @ApiPropertyOptional({ example: [{ path: 'level', direction: 'desc' }], description: 'Array of {path, direction} or an object {path: 1 | -1}' })
  @IsOptional()
  @Allow()
  sort?: unknown;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;
}
