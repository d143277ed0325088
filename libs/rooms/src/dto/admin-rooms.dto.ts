import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { KaosSession } from '@kaosnet/transport';
import type { Room, RoomMember } from '../room.js';

export class AdminPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The cursor of the previous page', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

export class AdminRoomListQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the label', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  label?: string;
}

export class AdminSessionListQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ description: 'User id, session id, username prefix or remote address prefix', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  search?: string;
}

export class AdminTerminateDto {
  @ApiPropertyOptional({ description: 'Seconds the room keeps running after `terminate` before it closes', minimum: 0, maximum: 3600, default: 0 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(3600)
  graceSeconds?: number;
}

export class AdminMemberDto {
  @ApiProperty({ description: 'Member ref in the room' })
  m: number;
  @ApiProperty()
  userId: string;
  @ApiPropertyOptional()
  username?: string;
  @ApiProperty()
  sessionId: string;
  @ApiProperty({ description: "The member's room ref" })
  ref: number;
  @ApiProperty({ description: 'Epoch ms' })
  joinedAt: number;
}

export class AdminTickStatsDto {
  @ApiProperty() ticks: number;
  @ApiProperty() tick: number;
  @ApiProperty({ description: 'Ticks that started more than lateTickMs after their due time' }) late: number;
  @ApiProperty({ description: 'Ticks skipped to catch up' }) skipped: number;
  @ApiProperty() meanLateMs: number;
  @ApiProperty() maxLateMs: number;
  @ApiProperty({ description: 'Mean time in loop() per tick' }) meanBusyMs: number;
  @ApiProperty() maxBusyMs: number;
  @ApiProperty() queued: number;
  @ApiProperty() queueCapacity: number;
  @ApiProperty({ description: 'Inputs dropped because the queue was full' }) inputDropped: number;
}

export class AdminRoomSummaryDto {
  @ApiProperty({ format: 'uuid' }) roomId: string;
  @ApiProperty() label: string;
  @ApiProperty({ enum: ['open', 'running', 'closed'] }) state: string;
  @ApiProperty({ description: 'relay or the match handler name' }) handler: string;
  @ApiProperty() size: number;
  @ApiProperty() maxPlayers: number;
  @ApiPropertyOptional() tickRate?: number;
  @ApiProperty({ description: 'Epoch ms' }) createdAt: number;
}

export class AdminRoomDto extends AdminRoomSummaryDto {
  @ApiProperty({ type: [AdminMemberDto] }) members: AdminMemberDto[];
  @ApiPropertyOptional({ type: AdminTickStatsDto }) tickStats?: AdminTickStatsDto;
  @ApiProperty({ description: 'RoomData received / sent' }) messagesIn: number;
  @ApiProperty() messagesOut: number;
}

export class AdminRoomListDto {
  @ApiProperty({ type: [AdminRoomSummaryDto] }) rooms: AdminRoomSummaryDto[];
  @ApiPropertyOptional() cursor?: string;
}

export class AdminRoomStateDto {
  @ApiProperty({ format: 'uuid' }) roomId: string;
  @ApiProperty({ description: "The handler's inspect(state) view; null for relay rooms and handlers without one", nullable: true, type: Object })
  state: unknown;
}

export class AdminSessionRoomDto {
  @ApiProperty() roomId: string;
  @ApiProperty() ref: number;
  @ApiProperty() m: number;
  @ApiProperty() label: string;
}

export class AdminSessionDto {
  @ApiProperty() sessionId: string;
  @ApiProperty() userId: string;
  @ApiPropertyOptional() username?: string;
  @ApiProperty({ enum: ['udp', 'ws'] }) transport: string;
  @ApiProperty() remoteAddress: string;
  @ApiProperty() state: string;
  @ApiProperty({ description: 'Epoch ms' }) connectedAt: number;
  @ApiProperty({ description: 'Epoch ms' }) lastSeenAt: number;
  @ApiProperty() rooms: number;
}

export class AdminSessionDetailDto extends AdminSessionDto {
  @ApiProperty({ type: [AdminSessionRoomDto] }) memberships: AdminSessionRoomDto[];
  @ApiProperty({ description: 'Link statistics (rtt, loss, bytes, messages, shed)', type: Object }) link: Record<string, number>;
  @ApiPropertyOptional() client?: string;
  @ApiProperty() droppedMessages: number;
}

export class AdminSessionListDto {
  @ApiProperty({ type: [AdminSessionDto] }) sessions: AdminSessionDto[];
  @ApiPropertyOptional() cursor?: string;
}

export class AdminStatusDto {
  @ApiProperty({ description: 'ms since the rooms service started' }) uptimeMs: number;
  @ApiProperty() sessions: number;
  @ApiProperty({ type: Object, description: '{ total, relay, authoritative }' }) rooms: { total: number; relay: number; authoritative: number };
  @ApiProperty({ description: 'KaosTalk messages received per second (last second)' }) messagesPerSec: number;
  @ApiProperty({ description: 'RoomData received per second (last second)' }) roomDataPerSec: number;
  @ApiProperty({ type: Object, description: 'p50 / p99 / max ms of recent ticks (null before any tick)' })
  tickLateness: { p50: number | null; p99: number | null; max: number | null; samples: number };
  @ApiProperty({ type: Object, description: 'Totals since start: ticks, late, skipped, inputDropped' })
  ticks: { total: number; late: number; skipped: number; inputDropped: number };
  @ApiProperty({ type: Object }) counters: Record<string, number>;
}

export class AdminKickResponseDto {
  @ApiProperty() sessionId: string;
  @ApiProperty() kicked: boolean;
}

export function toAdminRoomSummary(room: Room): AdminRoomSummaryDto {
  const out: AdminRoomSummaryDto = {
    roomId: room.id,
    label: room.label,
    state: room.status,
    handler: room.module ?? 'relay',
    size: room.members.size,
    maxPlayers: room.maxPlayers,
    createdAt: room.createdAt,
  };
  if (room.match) out.tickRate = room.match.tickRate;
  return out;
}

export function toAdminMember(member: RoomMember): AdminMemberDto {
  const out: AdminMemberDto = { m: member.m, userId: member.userId, sessionId: member.sessionId, ref: member.ref, joinedAt: member.joinedAt };
  if (member.username !== undefined) out.username = member.username;
  return out;
}

export function toAdminRoom(room: Room): AdminRoomDto {
  const out: AdminRoomDto = {
    ...toAdminRoomSummary(room),
    members: [...room.members.values()].map(toAdminMember),
    messagesIn: room.counters.messagesIn,
    messagesOut: room.counters.messagesOut,
  };
  const match = room.match;
  if (match) {
    const t = match.tickStats;
    out.tickStats = {
      ticks: t.ticks,
      tick: match.tick,
      late: t.late,
      skipped: t.skipped,
      meanLateMs: t.ticks ? round(t.lateSumMs / t.ticks) : 0,
      maxLateMs: round(t.maxLateMs),
      meanBusyMs: t.ticks ? round(t.busyMs / t.ticks) : 0,
      maxBusyMs: round(t.maxBusyMs),
      queued: match.queue.size,
      queueCapacity: match.queue.capacity,
      inputDropped: match.queue.dropped,
    };
  }
  return out;
}

export function toAdminSession(session: KaosSession, rooms: number): AdminSessionDto {
  const out: AdminSessionDto = {
    sessionId: session.sessionId,
    userId: session.userId,
    transport: session.link.kind,
    remoteAddress: session.link.remoteAddress,
    state: session.state,
    connectedAt: session.connectedAt,
    lastSeenAt: session.lastSeenAt,
    rooms,
  };
  if (session.username !== undefined) out.username = session.username;
  return out;
}

export function toAdminSessionDetail(session: KaosSession, memberships: RoomMember[]): AdminSessionDetailDto {
  const out: AdminSessionDetailDto = {
    ...toAdminSession(session, memberships.length),
    memberships: memberships.map((m) => ({ roomId: m.room.id, ref: m.ref, m: m.m, label: m.room.label })),
    link: { ...session.stats() },
    droppedMessages: session.droppedMessages,
  };
  if (session.client !== undefined) out.client = session.client;
  return out;
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
