import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';
import { KaosError, type Caller } from '@kaosnet/common';
import { AdminAccess, AdminCaller, AdminErrorResponseDto, AdminScope } from '@kaosnet/admin';
import { StorageAckDto, StorageObjectResponseDto, StoragePageResponseDto, toStorageAckResponse, toStorageObjectResponse, toStoragePageResponse } from './dto/storage-object.dto.js';
import { StorageQueryDto } from './dto/storage-read.dto.js';
import { StorageService } from './storage.service.js';

const READ = { role: 'viewer', scope: AdminScope.STORAGE_READ } as const;
const WRITE = { role: 'developer', scope: AdminScope.STORAGE_WRITE } as const;

class AdminCollectionDto {
  @ApiProperty() collection: string;
  @ApiProperty() count: number;
}
class AdminCollectionsResponseDto {
  @ApiProperty({ type: [AdminCollectionDto] }) collections: AdminCollectionDto[];
}
class AdminCollectionsQueryDto {
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ description: 'Continue after this collection name' }) @IsOptional() @IsString() after?: string;
}
class AdminStorageListQueryDto {
  @ApiPropertyOptional({ description: "Only this owner's objects; empty string = server-owned" }) @IsOptional() @IsString() userId?: string;
  @ApiPropertyOptional({ description: 'Search: keys starting with this' }) @IsOptional() @IsString() keyPrefix?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
}
class AdminObjectQueryDto {
  @ApiPropertyOptional({ description: 'Owner; omitted or empty = server-owned' }) @IsOptional() @IsString() userId?: string;
  @ApiPropertyOptional({ description: 'Delete only: only if unchanged' }) @IsOptional() @IsString() version?: string;
}
class AdminStoragePutDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Owner; omitted or null = server-owned' }) @IsOptional() @IsString() userId?: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) @IsObject() value: Record<string, unknown>;
  @ApiPropertyOptional() @IsOptional() @IsString() version?: string;
  @ApiPropertyOptional({ enum: [0, 1, 2] }) @IsOptional() @IsInt() @IsIn([0, 1, 2]) permissionRead?: number;
  @ApiPropertyOptional({ enum: [0, 1] }) @IsOptional() @IsInt() @IsIn([0, 1]) permissionWrite?: number;
}

const owner = (userId: string | undefined): string | null => (userId === undefined || userId === '' ? null : userId);
const ERR = { type: AdminErrorResponseDto };

/** Storage on the admin port, acting as the system caller (AdminCaller names the console user or key). */
@ApiTags('admin: storage')
@Controller('admin/storage')
export class StorageAdminController {
  constructor(private readonly storage: StorageService) {}

  @Get()
  @AdminAccess(READ)
  @ApiOperation({ summary: 'List collections with their object counts' })
  @ApiOkResponse({ type: AdminCollectionsResponseDto })
  @ApiResponse({ status: 400, ...ERR })
  async collections(@AdminCaller() caller: Caller, @Query() q: AdminCollectionsQueryDto): Promise<AdminCollectionsResponseDto> {
    return { collections: await this.storage.listCollections(caller, { limit: q.limit, after: q.after }) };
  }

  @Get(':collection')
  @AdminAccess(READ)
  @ApiOperation({ summary: 'List objects of a collection (any owner), optionally by owner and key prefix' })
  @ApiOkResponse({ type: StoragePageResponseDto })
  @ApiResponse({ status: 400, ...ERR })
  async list(@AdminCaller() caller: Caller, @Param('collection') collection: string, @Query() q: AdminStorageListQueryDto): Promise<StoragePageResponseDto> {
    const userId = q.userId === undefined ? undefined : owner(q.userId);
    return toStoragePageResponse(await this.storage.list(caller, collection, { userId, keyPrefix: q.keyPrefix, limit: q.limit, cursor: q.cursor }));
  }

  @Post(':collection/query')
  @HttpCode(200)
  @AdminAccess(READ)
  @ApiOperation({ summary: 'Search objects of a collection with a MongoDB-syntax filter' })
  @ApiOkResponse({ type: StoragePageResponseDto })
  @ApiResponse({ status: 400, ...ERR })
  async query(@AdminCaller() caller: Caller, @Param('collection') collection: string, @Body() body: StorageQueryDto): Promise<StoragePageResponseDto> {
    return toStoragePageResponse(await this.storage.query(caller, collection, body));
  }

  @Get(':collection/:key')
  @AdminAccess(READ)
  @ApiOperation({ summary: 'Get one object' })
  @ApiOkResponse({ type: StorageObjectResponseDto })
  @ApiResponse({ status: 404, ...ERR })
  async get(@AdminCaller() caller: Caller, @Param('collection') collection: string, @Param('key') key: string, @Query() q: AdminObjectQueryDto): Promise<StorageObjectResponseDto> {
    const [obj] = await this.storage.read(caller, [{ collection, key, userId: owner(q.userId) }]);
    if (!obj) throw KaosError.notFound('No such storage object', { reason: 'STORAGE_OBJECT_NOT_FOUND' });
    return toStorageObjectResponse(obj);
  }

  @Put(':collection/:key')
  @AdminAccess(WRITE)
  @ApiOperation({ summary: 'Write one object as the system (any owner, any permissions)' })
  @ApiOkResponse({ type: StorageAckDto })
  @ApiResponse({ status: 409, ...ERR })
  async put(@AdminCaller() caller: Caller, @Param('collection') collection: string, @Param('key') key: string, @Body() body: AdminStoragePutDto): Promise<StorageAckDto> {
    const [ack] = await this.storage.write(caller, [{ collection, key, ...body, userId: body.userId ?? null }]);
    return toStorageAckResponse(ack);
  }

  @Delete(':collection/:key')
  @HttpCode(204)
  @AdminAccess(WRITE)
  @ApiOperation({ summary: 'Delete one object as the system' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 409, ...ERR })
  async delete(@AdminCaller() caller: Caller, @Param('collection') collection: string, @Param('key') key: string, @Query() q: AdminObjectQueryDto): Promise<void> {
    await this.storage.delete(caller, [{ collection, key, userId: owner(q.userId), version: q.version }]);
  }
}
