import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { KaosError } from '@kaosnet/common';
import { KaosTalkContext, Op } from '@kaosnet/transport';
import { RpcRegistry } from '../rpc/rpc.registry.js';

/** KaosTalk adapter of RPCs (op Rpc 0x20 → RpcResponse 0x21, §2.4): `{cid, id, payload?}`. */
@Controller()
export class RpcHandlers {
  constructor(private readonly rpcs: RpcRegistry) {}

  @MessagePattern(Op.Rpc)
  async rpc(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Promise<{ payload?: string }> {
    const id = body['id'];
    const payload = body['payload'];
    if (typeof id !== 'string' || id.length < 1 || id.length > 128) throw KaosError.invalidField('id', 'must be a string of 1-128 characters');
    if (payload !== undefined && typeof payload !== 'string') throw KaosError.invalidField('payload', 'must be a string');
    const caller = ctx.caller;
    const out = await this.rpcs.call(
      { caller, userId: caller.userId, username: caller.username, sessionId: caller.sessionId, vars: caller.vars, transport: ctx.transport, cid: ctx.cid },
      id,
      payload,
    );
    return out === undefined ? {} : { payload: out };
  }
}
