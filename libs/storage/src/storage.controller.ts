import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@kaosnet/common';
import { ApiErrors, CurrentCaller, UserAuthGuard } from '@kaosnet/accounts';
import { StoragePageResponseDto, StorageReadResponseDto, StorageWriteResponseDto, toStorageAckResponse, toStorageObjectResponse, toStoragePageResponse } from './dto/storage-object.dto.js';
import { StorageDeleteDto, StorageListQueryDto, StorageQueryDto, StorageReadDto } from './dto/storage-read.dto.js';
import { StorageWriteDto } from './dto/storage-write.dto.js';
import { StorageService } from './storage.service.js';

/** REST adapter for players: shapes only; every rule is in StorageService. */
@ApiTags('storage')
@ApiBearerAuth('bearer')
@UseGuards(UserAuthGuard)
@Controller('api/storage')
export class StorageController {
  constructor(private readonly storage: StorageService) {}

  @Put()
  @ApiOperation({ summary: "Write a batch of the caller's objects atomically (all or nothing)" })
  @ApiOkResponse({ type: StorageWriteResponseDto })
  @ApiErrors(400, 401, 403, 409, 413)
  async write(@CurrentCaller() caller: Caller, @Body() body: StorageWriteDto): Promise<StorageWriteResponseDto> {
    return { acks: (await this.storage.write(caller, body.objects)).map(toStorageAckResponse) };
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read objects by id; ones that do not exist or are not visible are left out' })
  @ApiOkResponse({ type: StorageReadResponseDto })
  @ApiErrors(400, 401, 413)
  async read(@CurrentCaller() caller: Caller, @Body() body: StorageReadDto): Promise<StorageReadResponseDto> {
    return { objects: (await this.storage.read(caller, body.ids)).map(toStorageObjectResponse) };
  }

  @Post('delete')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete a batch of the caller's objects atomically" })
  @ApiNoContentResponse({ description: 'Deleted (a missing object without a version is a no-op)' })
  @ApiErrors(400, 401, 403, 409, 413)
  async delete(@CurrentCaller() caller: Caller, @Body() body: StorageDeleteDto): Promise<void> {
    await this.storage.delete(caller, body.ids);
  }

  @Get(':collection')
  @ApiOperation({ summary: 'List visible objects of a collection by owner then key, with a cursor' })
  @ApiOkResponse({ type: StoragePageResponseDto })
  @ApiErrors(400, 401)
  async list(@CurrentCaller() caller: Caller, @Param('collection') collection: string, @Query() q: StorageListQueryDto): Promise<StoragePageResponseDto> {
    return toStoragePageResponse(await this.storage.list(caller, collection, { userId: q.userId, limit: q.limit, cursor: q.cursor }));
  }

  @Post(':collection/query')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query visible objects of a collection with a MongoDB-syntax filter (run in the database)' })
  @ApiOkResponse({ type: StoragePageResponseDto })
  @ApiErrors(400, 401)
  async query(@CurrentCaller() caller: Caller, @Param('collection') collection: string, @Body() body: StorageQueryDto): Promise<StoragePageResponseDto> {
    return toStoragePageResponse(await this.storage.query(caller, collection, body));
  }
}
