import { BaseRpcContext } from '@nestjs/microservices';
import type { KaosSession } from '../session/kaos-session.js';

/**
 * What a `@MessagePattern(op)` handler gets with `@Ctx()`: the session (user id, username, vars,
 * transport), the op and the request's cid.
 *
 * @example
 * @MessagePattern(Op.RoomCreate)
 * create(@Payload() body: RoomCreateRequest, @Ctx() ctx: KaosTalkContext) {
 *   return this.rooms.create(ctx.caller, body);
 * }
 */
export class KaosTalkContext extends BaseRpcContext<[KaosSession, number, string]> {
  get session(): KaosSession {
    return this.args[0];
  }
  get op(): number {
    return this.args[1];
  }
  get cid(): string {
    return this.args[2];
  }
  get userId(): string {
    return this.args[0].userId;
  }
  get sessionId(): string {
    return this.args[0].sessionId;
  }
  get transport(): 'udp' | 'ws' {
    return this.args[0].link.kind;
  }
  /** The Caller every core service takes first. */
  get caller(): { kind: 'user'; userId: string; sessionId: string; username?: string; vars?: Record<string, string>; origin: 'kaostalk' } {
    const s = this.args[0];
    return { kind: 'user', userId: s.userId, sessionId: s.sessionId, username: s.username, vars: s.vars, origin: 'kaostalk' };
  }
}
