import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { KaosTalkClient } from '@kaosnet/client';
import { KaosError } from '@kaosnet/common';
import { KaosTalkContext, Op } from '@kaosnet/transport';
import { startTestServer, TEST_SERVER_KEY, type TestServer } from '../support/test-server.js';

const seen: { op: number; payload: string }[] = [];

/** Handlers on the "other" server: a RoomList-shaped control op and an application op. */
@Controller()
class PeerHandlers {
  @MessagePattern(Op.RoomList)
  list(@Payload() body: Record<string, unknown>, @Ctx() ctx: KaosTalkContext): Record<string, unknown> {
    if (body['label'] === 'missing') throw KaosError.notFound('no rooms with that label');
    return { rooms: [], label: body['label'] ?? null, caller: ctx.userId };
  }

  @MessagePattern(0x9a)
  note(@Payload() payload: Buffer): void {
    seen.push({ op: 0x9a, payload: payload.toString() });
  }
}

@Module({ controllers: [PeerHandlers] })
class PeerModule {}

describe(KaosTalkClient.name, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ modules: [PeerModule] });
  });
  afterAll(async () => {
    await s.close();
  });

  it.each(['udp', 'ws'] as const)('lets one Nest app call another over KaosTalk (%s): send() gets the reply, errors arrive as errors, emit() reaches the app-op handler', async (transport) => {
    const client = new KaosTalkClient({ baseUrl: s.clientUrl, serverKey: TEST_SERVER_KEY, identity: { customId: `service-${transport}-${Date.now()}` }, transport });
    try {
      const reply = (await firstValueFrom(client.send(Op.RoomList, { label: 'arena' }))) as Record<string, unknown>;
      expect(reply).toMatchObject({ rooms: [], label: 'arena' });
      expect(typeof reply['caller']).toBe('string');
      await expect(firstValueFrom(client.send(Op.RoomList, { label: 'missing' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await firstValueFrom(client.emit(0x9a, `hello-${transport}`), { defaultValue: undefined });
      const end = Date.now() + 3000;
      while (!seen.some((x) => x.payload === `hello-${transport}`) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContainEqual({ op: 0x9a, payload: `hello-${transport}` });
    } finally {
      await client.close();
    }
  });
});
