import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { Controller, Injectable, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import WebSocket from 'ws';
import { ERROR_CODES, KaosError } from '@kaosnet/common';
import { KaosApiError, type KaosSocket } from '@kaosnet/client';
import { encodeControlRequest, encodeMessage, KaosTalkGateway, Op } from '@kaosnet/transport';
import { KaosRpc, type RpcContext } from '@kaosnet/scripting';
import { newPlayer, RawWsPeer } from '../support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** A game module's RPCs (the Rpc op belongs to the scripting module's dispatch, shared with Lua). */
@Injectable()
class EchoRpcs {
  @KaosRpc('echo')
  echo(ctx: RpcContext, payload?: string): string {
    return JSON.stringify({ echo: payload ?? null, userId: ctx.userId, transport: ctx.transport, cid: ctx.cid });
  }

  @KaosRpc('fail')
  fail(): never {
    throw KaosError.notFound('no such rpc: fail');
  }

  @KaosRpc('crash')
  crash(): never {
    throw new Error('secret internal detail');
  }
}

/** A game module with KaosTalk handlers as ordinary Nest providers. */
@Controller()
class EchoHandlers {
  @MessagePattern(0x90)
  app(@Payload() payload: Buffer): Buffer {
    return Buffer.concat([Buffer.from('echo:'), payload]);
  }
}

@Module({ controllers: [EchoHandlers], providers: [EchoRpcs] })
class EchoModule {}

describe('KaosTalk over WebSocket', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ modules: [EchoModule], config: { transport: { ws: { authTimeoutMs: 300 }, controlRate: { perSec: 20, burst: 40 } } } });
  });
  afterAll(async () => {
    await s.close();
  });

  async function connected(): Promise<{ socket: KaosSocket; userId: string }> {
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'ws' });
    return { socket, userId: auth.userId };
  }

  it('starts a session: SessionAck carries the session, user and limits', async () => {
    const { socket, userId } = await connected();
    expect(socket.ack).toMatchObject({ userId, maxPayload: 65535 });
    expect(typeof socket.ack!.sessionId).toBe('string');
    expect(Math.abs(socket.ack!.serverTimeMs - Date.now())).toBeLessThan(5000);
    socket.close();
  });

  it('routes a control op to a Nest @MessagePattern handler and echoes the cid (KT-5)', async () => {
    const { socket, userId } = await connected();
    const reply = JSON.parse((await socket.rpc('echo', 'hello'))!);
    expect(reply).toMatchObject({ echo: 'hello', userId, transport: 'ws' });
    expect(reply.cid).toMatch(/^c\d+$/);
    socket.close();
  });

  it('maps a KaosError from a handler to its code, and an unknown error to INTERNAL without details', async () => {
    const { socket } = await connected();
    await expect(socket.rpc('fail')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such rpc: fail' });
    const crash = await socket.rpc('crash').catch((e: KaosApiError) => e);
    expect(crash).toBeInstanceOf(KaosApiError);
    expect((crash as KaosApiError).code).toBe('INTERNAL');
    expect((crash as KaosApiError).message).not.toContain('secret');
    // The session stays usable after handler errors.
    expect(await socket.rpc('echo', 'still')).toContain('still');
    socket.close();
  });

  it('routes an application op to its Nest handler', async () => {
    const { socket } = await connected();
    const got = once(socket, 'appMessage');
    socket.sendApp(0x90, Buffer.from('abc'));
    const [op, payload] = (await got) as [number, Buffer];
    expect(op).toBe(0x90);
    expect(payload.toString()).toBe('echo:abc');
    socket.close();
  });

  it('KT-10 Heartbeat of 8 B is answered with 16 B echoing the client time', async () => {
    const { socket } = await connected();
    const rtt = await socket.ping();
    expect(rtt).toBeGreaterThanOrEqual(0);
    socket.close();
  });

  describe('with a raw peer', () => {
    async function startedPeer(): Promise<RawWsPeer> {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const peer = await RawWsPeer.open(info.ws);
      peer.sendStart(info.connectToken);
      await peer.waitFor((m) => m.op === Op.SessionAck);
      return peer;
    }

    const errorOf = async (peer: RawWsPeer, pred: (e: Record<string, unknown>) => boolean) =>
      peer.json(await peer.waitFor((m) => m.op === Op.Error && pred(peer.json(m))));

    it('KT-4 a control payload that is not a JSON object → BAD_REQUEST with op, session usable', async () => {
      const peer = await startedPeer();
      peer.send(encodeMessage(Op.RoomList, Buffer.from('[1,2,3]')));
      const e = await errorOf(peer, (x) => x['op'] === Op.RoomList);
      expect(e).toMatchObject({ code: 'BAD_REQUEST', op: Op.RoomList });
      peer.send(encodeControlRequest(Op.Rpc, 'after', { id: 'echo' }));
      await peer.waitFor((m) => m.op === Op.RpcResponse && peer.json(m)['cid'] === 'after');
      peer.ws.close();
    });

    it('KT-6 a request without a valid cid → BAD_REQUEST without cid', async () => {
      const peer = await startedPeer();
      peer.send(encodeMessage(Op.Rpc, Buffer.from(JSON.stringify({ id: 'echo' }))));
      const e = await errorOf(peer, (x) => x['op'] === Op.Rpc);
      expect(e['code']).toBe('BAD_REQUEST');
      expect(e).not.toHaveProperty('cid');
      peer.ws.close();
    });

    it('KT-7 reserved and unhandled ops → UNKNOWN_OP with that op', async () => {
      const peer = await startedPeer();
      for (const op of [0x05, 0x40, 0x60, 0xa0]) peer.send(encodeMessage(op, Buffer.from('{}')));
      for (const op of [0x05, 0x40, 0x60, 0xa0]) expect(await errorOf(peer, (x) => x['op'] === op)).toMatchObject({ code: 'UNKNOWN_OP', op });
      peer.ws.close();
    });

    it('KT-8 S→C-only ops sent by a client → BAD_REQUEST', async () => {
      const peer = await startedPeer();
      for (const op of [0x04, 0x21, 0x32, 0xff]) peer.send(encodeControlRequest(op, `x${op}`, {}));
      for (const op of [0x04, 0x21, 0x32, 0xff]) expect(await errorOf(peer, (x) => x['op'] === op)).toMatchObject({ code: 'BAD_REQUEST', op });
      peer.ws.close();
    });

    it('KT-9 a second SessionStart → CONFLICT', async () => {
      const peer = await startedPeer();
      peer.send(encodeControlRequest(Op.SessionStart, 'again', { v: 1 }));
      expect(await errorOf(peer, (x) => x['cid'] === 'again')).toMatchObject({ code: 'CONFLICT' });
      peer.ws.close();
    });

    it('KT-11 every Error code is from the catalogue', async () => {
      const peer = await startedPeer();
      peer.send(encodeMessage(0x07, Buffer.alloc(0)));
      peer.send(encodeMessage(Op.Heartbeat, Buffer.alloc(3)));
      await errorOf(peer, (x) => x['op'] === Op.Heartbeat);
      for (const m of peer.received.filter((x) => x.op === Op.Error)) expect(ERROR_CODES).toContain(peer.json(m)['code']);
      peer.ws.close();
    });

    it('KT-2 a WS message with k messages is processed as k messages, in order', async () => {
      const peer = await startedPeer();
      peer.send(Buffer.concat([1, 2, 3].map((i) => encodeControlRequest(Op.Rpc, `k${i}`, { id: 'echo', payload: String(i) }))));
      await peer.waitFor((m) => m.op === Op.RpcResponse && peer.json(m)['cid'] === 'k3');
      const cids = peer.received.filter((m) => m.op === Op.RpcResponse).map((m) => peer.json(m)['cid']);
      expect(cids).toEqual(['k1', 'k2', 'k3']);
      peer.ws.close();
    });

    it('KT-3 a WS message ending inside a payload → close 1002, none of its messages processed', async () => {
      const peer = await startedPeer();
      const good = encodeControlRequest(Op.Rpc, 'never', { id: 'echo' });
      peer.send(Buffer.concat([good, Buffer.from([Op.Rpc, 10, 0, 1, 2])]));
      expect(await peer.closed).toBe(1002);
      expect(peer.received.some((m) => m.op === Op.RpcResponse)).toBe(false);
    });

    it('KT-3 a WS text message → close 1003', async () => {
      const peer = await startedPeer();
      peer.send('hello');
      expect(await peer.closed).toBe(1003);
    });

    it('KT-16 control ops beyond the rate limit → RATE_LIMITED with retryAfterMs', async () => {
      const peer = await startedPeer();
      peer.send(Buffer.concat(Array.from({ length: 60 }, (_, i) => encodeControlRequest(Op.Rpc, `r${i}`, { id: 'echo' }))));
      const e = await errorOf(peer, (x) => x['code'] === 'RATE_LIMITED');
      expect(e['retryAfterMs']).toBeGreaterThan(0);
      peer.ws.close();
    });

    it('KT-17 more than 50 Errors within 10 s → SessionEnd, then close', async () => {
      const peer = await startedPeer();
      peer.send(Buffer.concat(Array.from({ length: 60 }, () => encodeMessage(0x05, Buffer.alloc(0)))));
      const end = await peer.waitFor((m) => m.op === Op.SessionEnd);
      expect(peer.json(end)).toEqual({ reason: 'protocol_error' });
      expect(await peer.closed).toBe(1002);
      expect(peer.received.filter((m) => m.op === Op.Error).length).toBeLessThanOrEqual(51);
    });
  });

  describe('authentication (§5.3)', () => {
    it('KT-19 an upgrade without subprotocol kaostalk.v1 is refused', async () => {
      const ws = new WebSocket(`${s.clientUrl.replace('http', 'ws')}/ws`, ['other']);
      const [err] = (await once(ws, 'error')) as [Error];
      expect(err.message).toMatch(/400|subprotocol|Unexpected server response/);
    });

    it('KT-20 a first message that is not SessionStart with a valid token → 4401, no KaosTalk message', async () => {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const peer = await RawWsPeer.open(info.ws);
      peer.send(encodeControlRequest(Op.Rpc, 'r1', { id: 'echo' }));
      expect(await peer.closed).toBe(4401);
      expect(peer.received).toEqual([]);
      const peer2 = await RawWsPeer.open(info.ws);
      peer2.send(encodeControlRequest(Op.SessionStart, 's', { v: 1, token: 'AAAA' }));
      expect(await peer2.closed).toBe(4401);
      expect(peer2.received).toEqual([]);
    });

    it('KT-21 no first message within the auth timeout → 4408', async () => {
      const peer = await RawWsPeer.open(`${s.clientUrl.replace('http', 'ws')}/ws`);
      expect(await peer.closed).toBe(4408);
    });

    it('KT-22 a used or tampered token → 4401', async () => {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const first = await RawWsPeer.open(info.ws);
      first.sendStart(info.connectToken);
      await first.waitFor((m) => m.op === Op.SessionAck);
      const reuse = await RawWsPeer.open(info.ws);
      reuse.sendStart(info.connectToken);
      expect(await reuse.closed).toBe(4401);
      const info2 = await client.requestConnect(auth);
      const bytes = Buffer.from(info2.connectToken, 'base64url');
      bytes[100] ^= 0x01;
      const tampered = await RawWsPeer.open(info.ws);
      tampered.sendStart(bytes.toString('base64url'));
      expect(await tampered.closed).toBe(4401);
      first.ws.close();
    });

    it('KT-23 with wsAllowQueryToken off, ?token= alone does not authenticate', async () => {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const peer = await RawWsPeer.open(`${info.ws}?token=${info.connectToken}`);
      peer.send(encodeControlRequest(Op.SessionStart, 's', { v: 1 }));
      expect(await peer.closed).toBe(4401);
    });

    it('refuses SessionStart with v ≠ 1 (BAD_REQUEST, then close 1002)', async () => {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const peer = await RawWsPeer.open(info.ws);
      peer.send(encodeControlRequest(Op.SessionStart, 's', { v: 2, token: info.connectToken }));
      const e = peer.json(await peer.waitFor((m) => m.op === Op.Error));
      expect(e).toMatchObject({ code: 'BAD_REQUEST', cid: 's' });
      expect(await peer.closed).toBe(1002);
    });
  });

  describe('session lifecycle', () => {
    it('kick: SessionEnd kicked, then close 4403', async () => {
      const { socket } = await connected();
      const gateway = s.server.app.get(KaosTalkGateway);
      const ended = once(socket, 'sessionEnd');
      const closed = once(socket, 'close');
      gateway.registry.kick(socket.ack!.sessionId);
      expect(await ended).toEqual(['kicked']);
      expect(((await closed) as [{ code: number }])[0].code).toBe(4403);
      expect(gateway.registry.get(socket.ack!.sessionId)).toBeUndefined();
    });

    it('KT-60 a second connection for the same session ends the first with replaced / 4409', async () => {
      const { client, auth } = await newPlayer(s);
      const a = await client.connect(auth, { transport: 'ws' });
      const ended = once(a, 'sessionEnd');
      const closed = once(a, 'close');
      const b = await client.connect(auth, { transport: 'ws' });
      expect(await ended).toEqual(['replaced']);
      expect(((await closed) as [{ code: number }])[0].code).toBe(4409);
      expect(await b.rpc('echo', 'b')).toContain('"b"');
      b.close();
    });

    it('SessionEnd from the client is answered with the same cid and the session ends', async () => {
      const { socket } = await connected();
      const gateway = s.server.app.get(KaosTalkGateway);
      const id = socket.ack!.sessionId;
      const closed = once(socket, 'close');
      await socket.disconnect();
      await closed;
      expect(gateway.registry.get(id)).toBeUndefined();
    });
  });
});

describe('KaosTalk over WebSocket: limits', () => {
  it('enforces maxSessions with a clear refusal', async () => {
    const s = await startTestServer({ config: { maxSessions: 1 } });
    try {
      const a = await newPlayer(s);
      const first = await a.client.connect(a.auth, { transport: 'ws' });
      const b = await newPlayer(s);
      const err = await b.client.connect(b.auth, { transport: 'ws' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KaosApiError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE' });
      expect((err as Error).message).toMatch(/full/);
      // The Rpc op has a handler (the scripting module's dispatch); an unknown RPC id is NOT_FOUND (spec §2.4).
      expect(await first.rpc('x').catch((e: KaosApiError) => e.code)).toBe('NOT_FOUND');
      first.close();
    } finally {
      await s.close();
    }
  });

  it('on shutdown every session gets SessionEnd shutdown and close 1001', async () => {
    const s = await startTestServer();
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'ws' });
    const ended = once(socket, 'sessionEnd');
    const closed = once(socket, 'close');
    await s.close();
    expect(await ended).toEqual(['shutdown']);
    expect(((await closed) as [{ code: number }])[0].code).toBe(1001);
  });
});
