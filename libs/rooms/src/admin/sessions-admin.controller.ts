import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAccess, AdminErrorResponseDto, describeRequirement } from '@kaosnet/admin';
import { KaosTalkGateway } from '@kaosnet/transport';
import {
  AdminKickResponseDto,
  AdminSessionDetailDto,
  AdminSessionListDto,
  AdminSessionListQueryDto,
  AdminStatusDto,
  round,
  toAdminSession,
  toAdminSessionDetail,
} from '../dto/admin-rooms.dto.js';
import { RoomsErrors } from '../rooms.errors.js';
import { RoomsService } from '../rooms.service.js';
import { ROOMS_ADMIN_ACCESS } from './rooms-admin.access.js';

const NOT_FOUND = { type: AdminErrorResponseDto, description: 'No live session with this id' };

/** Server status and live realtime sessions on the admin port. */
@ApiTags('admin: sessions')
@Controller('admin')
export class SessionsAdminController {
  constructor(
    private readonly gateway: KaosTalkGateway,
    private readonly rooms: RoomsService,
  ) {}

  @Get('status')
  @AdminAccess(ROOMS_ADMIN_ACCESS.sessionsRead)
  @ApiOperation({ summary: 'Uptime, sessions, rooms, messages/s and tick lateness', description: describeRequirement(ROOMS_ADMIN_ACCESS.sessionsRead) })
  @ApiOkResponse({ type: AdminStatusDto })
  status(): AdminStatusDto {
    const rooms = this.rooms;
    let authoritative = 0;
    const totals = { ...rooms.stats.retired };
    for (const room of rooms.all()) {
      if (!room.match) continue;
      authoritative++;
      totals.ticks += room.match.tickStats.ticks;
      totals.late += room.match.tickStats.late;
      totals.skipped += room.match.tickStats.skipped;
      totals.inputDropped += room.match.queue.dropped;
    }
    const [p50, p99, max] = rooms.stats.latenessPercentiles([50, 99, 100]);
    const s = rooms.stats;
    return {
      uptimeMs: rooms.uptimeMs(),
      sessions: this.gateway.registry.size,
      rooms: { total: rooms.size, relay: rooms.size - authoritative, authoritative },
      messagesPerSec: rooms.messagesPerSec,
      roomDataPerSec: rooms.roomDataPerSec,
      tickLateness: { p50: nullable(p50), p99: nullable(p99), max: nullable(max), samples: s.latenessSamples },
      ticks: { total: totals.ticks, late: totals.late, skipped: totals.skipped, inputDropped: totals.inputDropped },
      counters: {
        roomsCreated: s.roomsCreated,
        roomsClosed: s.roomsClosed,
        roomsFailed: s.roomsFailed,
        roomDataIn: s.messagesIn,
        relayedOut: s.relayedOut,
        droppedUnknownRef: s.droppedUnknownRef,
        malformedRoomData: s.malformed,
        ...this.gateway.dispatcher.stats,
      },
    };
  }

  @Get('sessions')
  @AdminAccess(ROOMS_ADMIN_ACCESS.sessionsRead)
  @ApiOperation({ summary: 'List live realtime sessions, paged, with search by user id, username, session id or address', description: describeRequirement(ROOMS_ADMIN_ACCESS.sessionsRead) })
  @ApiOkResponse({ type: AdminSessionListDto })
  list(@Query() query: AdminSessionListQueryDto): AdminSessionListDto {
    const page = this.gateway.registry.list({ limit: query.limit, cursor: query.cursor, search: query.search });
    const sessions = page.sessions.map((s) => toAdminSession(s, this.rooms.membershipsOf(s).length));
    return page.cursor ? { sessions, cursor: page.cursor } : { sessions };
  }

  @Get('sessions/:id')
  @AdminAccess(ROOMS_ADMIN_ACCESS.sessionsRead)
  @ApiOperation({ summary: 'A live session: identity, transport, link statistics and rooms', description: describeRequirement(ROOMS_ADMIN_ACCESS.sessionsRead) })
  @ApiOkResponse({ type: AdminSessionDetailDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id') id: string): AdminSessionDetailDto {
    const session = this.gateway.registry.get(id);
    if (!session) throw RoomsErrors.sessionNotFound();
    return toAdminSessionDetail(session, this.rooms.membershipsOf(session));
  }

  @Post('sessions/:id/kick')
  @HttpCode(200)
  @AdminAccess(ROOMS_ADMIN_ACCESS.sessionsWrite)
  @ApiOperation({ summary: 'Kick a session', description: `${describeRequirement(ROOMS_ADMIN_ACCESS.sessionsWrite)} Sends SessionEnd "kicked" and closes the connection; the session leaves all its rooms.` })
  @ApiOkResponse({ type: AdminKickResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  kick(@Param('id') id: string): AdminKickResponseDto {
    if (!this.gateway.registry.get(id)) throw RoomsErrors.sessionNotFound();
    this.gateway.registry.kick(id);
    return { sessionId: id, kicked: true };
  }
}

function nullable(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined ? null : round(ms);
}
