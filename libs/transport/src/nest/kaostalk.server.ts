import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { OP_TABLE, OpKind } from '../codec/op-code.table.js';
import type { KaosTalkGateway } from './kaostalk.gateway.js';
import { KaosTalkContext } from './kaostalk.context.js';

export const KAOSTALK_TRANSPORT = Symbol.for('kaosnet.kaostalk');

/**
 * KaosTalk as a Nest microservice transport. At `listen()` every `@MessagePattern(op)` handler is
 * resolved ONCE into the dispatcher's op-indexed table (no `getHandlerByPattern` per message), then
 * the UDP and WebSocket endpoints start. RoomData, acks and heartbeats never reach Nest.
 *
 * @example
 * app.connectMicroservice({ strategy: new KaosTalkServer(app.get(KaosTalkGateway)) }, { inheritAppConfig: true });
 * await app.startAllMicroservices();
 */
export class KaosTalkServer extends Server implements CustomTransportStrategy {
  override readonly transportId = KAOSTALK_TRANSPORT;

  constructor(private readonly gateway: KaosTalkGateway) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.#registerHandlers();
      await this.gateway.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.gateway.stop();
  }

  on(): never {
    throw new Error('KaosTalkServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.gateway as T;
  }

  #registerHandlers(): void {
    for (const [pattern, handler] of this.messageHandlers) {
      const op = Number(pattern);
      if (!Number.isInteger(op) || op < 1 || op > 0xfe) {
        this.logger.warn?.(`@MessagePattern(${pattern}) is not a KaosTalk op (1-254): ignored`);
        continue;
      }
      const kind = OP_TABLE[op]!.kind;
      if (kind !== OpKind.CONTROL && kind !== OpKind.APPLICATION) {
        this.logger.warn?.(`@MessagePattern(0x${op.toString(16)}) cannot be handled by Nest (hot-path or reserved op): ignored`);
        continue;
      }
      this.gateway.dispatcher.setControlHandler(op, adapt(handler));
    }
  }
}

/** Nest handlers may return a value, a Promise or an Observable; the reply is its last value. */
function adapt(handler: MessageHandler): (body: any, session: any, op: number, cid: string) => Promise<any> {
  return async (body, session, op, cid) => {
    const out = await handler(body, new KaosTalkContext([session, op, cid]));
    return isObservable(out) ? await lastValueFrom(out, { defaultValue: undefined }) : out;
  };
}
