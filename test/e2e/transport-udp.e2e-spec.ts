import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { Injectable, Module } from '@nestjs/common';
import { KaosApiError, KaosConnectError, UdpSocketTransport, type KaosSocket } from '@kaosnet/client';
import { encodeMessage, KaosTalkGateway, Lane, Op } from '@kaosnet/transport';
import { FrameType } from '../../libs/transport/src/rudp/rudp.constants.js';
import { RawUdpPeer } from '../support/raw-udp-peer.js';
import { KaosRpc, type RpcContext } from '@kaosnet/scripting';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Echo RPCs, registered with the scripting module's RPC dispatch (which owns the Rpc op). */
@Injectable()
class EchoRpcs {
  @KaosRpc('echo')
  echo(ctx: RpcContext, payload?: string): string {
    return JSON.stringify({ echo: payload ?? null, transport: ctx.transport, userId: ctx.userId });
  }
}

@Module({ providers: [EchoRpcs] })
class EchoModule {}

describe('KaosTalk over RUDP (UDP on loopback)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ modules: [EchoModule] });
  });
  afterAll(async () => {
    await s.close();
  });

  async function connected(): Promise<{ socket: KaosSocket; userId: string }> {
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'udp' });
    return { socket, userId: auth.userId };
  }

  it('answers a message with one datagram: the reply and the ACK of the request together, no ACK-only packet', async () => {
    // What the echo bench's round trip relies on: one datagram each way (the reply flushed at the
    // end of the request's callback, its ACK piggybacked), no separate ACK-only packet.
    const OP = 0xa6;
    s.server.app.get(KaosTalkGateway).dispatcher.setRawHandler(OP, (session, payload) => session.send(encodeMessage(OP, payload), Lane.RO));
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const peer = await RawUdpPeer.open(RawUdpPeer.serverOf(info));
    try {
      await peer.handshake(info);
      const cid = peer.request(Op.SessionStart, { v: 1 });
      await peer.waitFor(() => peer.reply(Op.SessionAck, cid));
      await new Promise((r) => setTimeout(r, 100)); // handshake stragglers
      for (let round = 0; round < 5; round++) {
        const before = peer.received.length;
        peer.sendMessage(1, encodeMessage(OP, Buffer.from(`ping ${round}`)));
        await peer.waitFor(() => peer.messages.find((m) => m.op === OP && m.payload.toString() === `ping ${round}`));
        await new Promise((r) => setTimeout(r, 30));
        const datagrams = peer.received.slice(before).map((d) => peer.inspect(d.bytes)!);
        // MSG on channel 1 (RO), with the ACK in front of it.
        expect(datagrams[0]!.frames.map((f) => f.type)).toEqual([FrameType.ACK, FrameType.MSG | 1]);
        // Never an ACK-only packet. (On a loaded machine the peer's delayed ACK can come after the
        // server's PTO, which then re-sends the reply as a probe: a copy of the same datagram.)
        for (const d of datagrams) expect(d.frames.map((f) => f.type)).toEqual([FrameType.ACK, FrameType.MSG | 1]);
      }
    } finally {
      await peer.close();
    }
  });

  it('handshakes, starts a session and answers a control request by cid', async () => {
    const { socket, userId } = await connected();
    expect(socket.transport.kind).toBe('udp');
    expect(socket.ack).toMatchObject({ userId, maxPayload: 65535 });
    expect(JSON.parse((await socket.rpc('echo', 'over udp'))!)).toEqual({ echo: 'over udp', transport: 'udp', userId });
    expect(await socket.ping()).toBeGreaterThanOrEqual(0);
    socket.close();
  });

  it('KT-9 any op before SessionStart → UNAUTHORIZED', async () => {
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const transport = await UdpSocketTransport.connect(info);
    const { KaosSocket: Socket } = await import('@kaosnet/client');
    const socket = new Socket(transport);
    await expect(socket.rpc('echo')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await socket.start();
    expect(await socket.rpc('echo', 'now')).toContain('now');
    socket.close();
  });

  it('carries a 65,535-byte payload over fragmentation intact', async () => {
    const { socket } = await connected();
    const big = 'x'.repeat(65_000);
    const reply = JSON.parse((await socket.rpc('echo', big))!);
    expect(reply.echo).toBe(big);
    socket.close();
  });

  it('kick ends the session with SessionEnd kicked and a CLOSE', async () => {
    const { socket } = await connected();
    const gateway = s.server.app.get(KaosTalkGateway);
    const ended = once(socket, 'sessionEnd');
    const closed = once(socket, 'close');
    gateway.registry.kick(socket.ack!.sessionId);
    expect(await ended).toEqual(['kicked']);
    expect(((await closed) as [{ code: number }])[0].code).toBe(3);
  });

  it('a graceful SessionEnd ends the session at once', async () => {
    const { socket } = await connected();
    const gateway = s.server.app.get(KaosTalkGateway);
    const id = socket.ack!.sessionId;
    await socket.disconnect();
    expect(gateway.registry.get(id)).toBeUndefined();
  });

  it('KT-60 a second non-resume connection for the same session ends the first with replaced', async () => {
    const { client, auth } = await newPlayer(s);
    const a = await client.connect(auth, { transport: 'udp' });
    const ended = once(a, 'sessionEnd');
    const b = await client.connect(auth, { transport: 'udp' });
    expect(await ended).toEqual(['replaced']);
    expect(await b.rpc('echo', 'b')).toContain('"b"');
    b.close();
  });

  it('a token is single-use across transports (KT-22 / KT-33): a WS start with a token used over UDP is refused', async () => {
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const udp = await UdpSocketTransport.connect(info);
    const { RawWsPeer } = await import('../support/kaos-test-client.js');
    const peer = await RawWsPeer.open(info.ws);
    peer.sendStart(info.connectToken);
    expect(await peer.closed).toBe(4401);
    udp.close();
  });
});

describe('KaosTalk over RUDP: resume and limits', () => {
  it('KT-56 resumes after a blackout longer than the idle timeout: reliable messages arrive exactly once, in order, no new SessionStart', async () => {
    const s = await startTestServer({ modules: [EchoModule], config: { transport: { idleTimeoutMs: 600, resumeGraceMs: 10_000 } } });
    try {
      const { client, auth } = await newPlayer(s);
      const socket = await client.connect(auth, { transport: 'udp' });
      const transport = socket.transport as UdpSocketTransport;
      const gateway = s.server.app.get(KaosTalkGateway);
      const session = gateway.registry.get(socket.ack!.sessionId)!;
      const firstConn = transport.connId;
      const got: number[] = [];
      socket.on('appMessage', (_op, payload) => got.push(payload.readUInt32LE(0)));
      transport.setBlackout(true);
      // The server keeps sending reliable messages while the client hears nothing.
      for (let i = 0; i < 20; i++) {
        const p = Buffer.alloc(4);
        p.writeUInt32LE(i);
        session.send(Buffer.concat([Buffer.from([0x91, 4, 0]), p]), 0);
        await new Promise((r) => setTimeout(r, 50));
      }
      const resumed = new Promise<boolean>((resolve) => (transport.onResume = resolve));
      transport.setBlackout(false);
      expect(await resumed).toBe(true);
      expect(transport.connId).not.toBe(firstConn);
      // Reliable messages queued during the blackout arrive after the resume.
      const end = Date.now() + 3000;
      while (got.length < 20 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(gateway.registry.get(socket.ack!.sessionId)).toBe(session);
      expect(await socket.rpc('echo', 'after')).toContain('after');
      socket.close();
    } finally {
      await s.close();
    }
  });

  it('enforces maxSessions for UDP clients with a clear refusal', async () => {
    const s = await startTestServer({ config: { maxSessions: 1 } });
    try {
      const a = await newPlayer(s);
      const first = await a.client.connect(a.auth, { transport: 'udp' });
      const b = await newPlayer(s);
      const err = await b.client.connect(b.auth, { transport: 'udp' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KaosConnectError);
      expect(err).toMatchObject({ deniedReason: 1, message: 'handshake failed: server full (DENIED reason 1)' });
      expect(err).not.toBeInstanceOf(KaosApiError);
      first.close();
    } finally {
      await s.close();
    }
  });

  it('passes transport.rudp limits from the server config to every connection (an attacker over the inbound packet limit is dropped)', async () => {
    const s = await startTestServer({ config: { transport: { rudp: { maxInboundPacketsPerSec: 20 } } } });
    try {
      const { client, auth } = await newPlayer(s);
      const socket = await client.connect(auth, { transport: 'udp' });
      const transport = socket.transport as UdpSocketTransport;
      const conn = s.server.app.get(KaosTalkGateway).udp!.connection(transport.connId!)!;
      // 60 heartbeats in separate turns → about 60 packets within a second, 3× the limit.
      for (let i = 0; i < 60; i++) {
        void socket.ping(3000).catch(() => undefined);
        await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(conn.rudp.stats().droppedRate).toBeGreaterThan(0);
      socket.close();
    } finally {
      await s.close();
    }
  });

  it('the client takes a server burst above the spec\'s 300 packets/s (CLIENT_RUDP_DEFAULTS); an explicit 300/s client limit drops it', async () => {
    const s = await startTestServer({ config: { transport: { messageRate: { perSec: 1e6, burst: 1e6, bytesPerSec: 1e9 } } } });
    try {
      const gateway = s.server.app.get(KaosTalkGateway);
      const burst = async (udpLimits?: { maxInboundPacketsPerSec: number }) => {
        const { client, auth } = await newPlayer(s);
        const socket = await client.connect(auth, { transport: 'udp', ...(udpLimits ? { udpLimits } : {}) });
        const session = gateway.registry.get(String(socket.ack!.sessionId))!;
        const got: number[] = [];
        socket.on('appMessage', (op, payload) => {
          if (op === 0xa7) got.push(payload.readUInt32LE(0));
        });
        // 600 reliable messages, one per turn so each leaves in its own packet: ~600 packets in
        // well under a second, twice the server-side limit.
        for (let k = 0; k < 600; k++) {
          const p = Buffer.alloc(4);
          p.writeUInt32LE(k);
          session.send(encodeMessage(0xa7, p), Lane.RO);
          await new Promise((r) => setImmediate(r));
        }
        const deadline = Date.now() + 8_000;
        while (got.length < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const stats = (socket.transport as UdpSocketTransport).stats()!;
        socket.close();
        return { got, droppedRate: stats.droppedRate };
      };
      const roomy = await burst();
      expect(roomy.droppedRate).toBe(0);
      expect(roomy.got).toEqual([...Array(600).keys()]);
      const strict = await burst({ maxInboundPacketsPerSec: 300 });
      expect(strict.droppedRate).toBeGreaterThan(0);
      // Reliable all the same: what was dropped came back by retransmission, once and in order.
      expect(strict.got).toEqual([...Array(600).keys()]);
    } finally {
      await s.close();
    }
  });
});
