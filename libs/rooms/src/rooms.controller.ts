import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, UserAuthGuard } from '@kaosnet/accounts';
import { RoomListQueryDto, RoomListResponseDto } from './dto/room-list.dto.js';
import { RoomsService } from './rooms.service.js';

/** Client REST: the same listing as the RoomList op. */
@ApiTags('rooms')
@ApiBearerAuth('bearer')
@UseGuards(UserAuthGuard)
@Controller('api/rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOperation({ summary: 'List open and running rooms, oldest first, optionally filtered by label' })
  @ApiOkResponse({ type: RoomListResponseDto })
  @ApiErrors(400, 401)
  list(@Query() query: RoomListQueryDto): RoomListResponseDto {
    return this.rooms.listRooms({ label: query.label, limit: query.limit, cursor: query.cursor });
  }
}
