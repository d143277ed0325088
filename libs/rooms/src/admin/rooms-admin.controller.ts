import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAccess, AdminErrorResponseDto, describeRequirement } from '@kaosnet/admin';
import {
  AdminRoomDto,
  AdminRoomListDto,
  AdminRoomListQueryDto,
  AdminRoomStateDto,
  AdminTerminateDto,
  toAdminRoom,
  toAdminRoomSummary,
} from '../dto/admin-rooms.dto.js';
import { RoomsService } from '../rooms.service.js';
import { ROOMS_ADMIN_ACCESS } from './rooms-admin.access.js';

const NOT_FOUND = { type: AdminErrorResponseDto, description: 'No live room with this id' };

/** Live rooms on the admin port. */
@ApiTags('admin: rooms')
@Controller('admin/rooms')
export class RoomsAdminController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @AdminAccess(ROOMS_ADMIN_ACCESS.roomsRead)
  @ApiOperation({ summary: 'List live rooms, oldest first, with label search', description: describeRequirement(ROOMS_ADMIN_ACCESS.roomsRead) })
  @ApiOkResponse({ type: AdminRoomListDto })
  list(@Query() query: AdminRoomListQueryDto): AdminRoomListDto {
    const page = this.rooms.pageRooms({ limit: query.limit, cursor: query.cursor, label: query.label }, 500, 50, true);
    return { rooms: page.rooms.map(toAdminRoomSummary), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  @Get(':id')
  @AdminAccess(ROOMS_ADMIN_ACCESS.roomsRead)
  @ApiOperation({ summary: 'A room: members, handler, tick rate and tick statistics', description: describeRequirement(ROOMS_ADMIN_ACCESS.roomsRead) })
  @ApiOkResponse({ type: AdminRoomDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id') id: string): AdminRoomDto {
    return toAdminRoom(this.rooms.getOrThrow(id));
  }

  @Get(':id/state')
  @AdminAccess(ROOMS_ADMIN_ACCESS.roomsRead)
  @ApiOperation({ summary: "A JSON view of the match state, as the handler's inspect() provides it", description: describeRequirement(ROOMS_ADMIN_ACCESS.roomsRead) })
  @ApiOkResponse({ type: AdminRoomStateDto })
  @ApiNotFoundResponse(NOT_FOUND)
  state(@Param('id') id: string): AdminRoomStateDto {
    const room = this.rooms.getOrThrow(id);
    return { roomId: room.id, state: toJson(room.match?.inspect() ?? null) };
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @AdminAccess(ROOMS_ADMIN_ACCESS.roomsWrite)
  @ApiOperation({
    summary: 'Terminate a room',
    description: `${describeRequirement(ROOMS_ADMIN_ACCESS.roomsWrite)} Runs the handler's terminate(graceSeconds); the room closes after the grace and members receive RoomLeave "closed".`,
  })
  @ApiOkResponse({ type: AdminRoomDto })
  @ApiNotFoundResponse(NOT_FOUND)
  terminate(@Param('id') id: string, @Body() body: AdminTerminateDto): AdminRoomDto {
    return toAdminRoom(this.rooms.terminateRoom(id, body?.graceSeconds ?? 0));
  }
}

/** Handler views go out as JSON; anything not serializable becomes null rather than a 500. */
function toJson(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  } catch {
    return null;
  }
}
