import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { KaosTalkContext, Op } from '@kaosnet/transport';
import { RoomsService } from './rooms.service.js';

/**
 * KaosTalk control ops of rooms (§2.4) as Nest `@MessagePattern` handlers: shapes in, reply
 * bodies out; every rule is in RoomsService. RoomData never comes here (RoomDataRouter).
 */
@Controller()
export class RoomsHandlers {
  constructor(private readonly rooms: RoomsService) {}

  @MessagePattern(Op.RoomCreate)
  create(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Promise<Record<string, unknown>> {
    return this.rooms.createRoom(ctx.session, body);
  }

  @MessagePattern(Op.RoomJoin)
  join(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Record<string, unknown> | Promise<Record<string, unknown>> {
    return this.rooms.joinRoom(ctx.session, body['roomId'], body['metadata']);
  }

  @MessagePattern(Op.RoomLeave)
  leave(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Record<string, unknown> {
    return { ...this.rooms.leaveRoom(ctx.session, body['ref']) };
  }

  @MessagePattern(Op.RoomState)
  state(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Record<string, unknown> {
    return this.rooms.roomSnapshot(ctx.session, body['ref']);
  }

  @MessagePattern(Op.RoomList)
  list(@Payload() body: Record<string, unknown>): Record<string, unknown> {
    return { ...this.rooms.listRooms({ limit: body['limit'], cursor: body['cursor'], label: body['label'] }) };
  }
}
