import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type KaosSocket, UdpSocketTransport } from '@kaosnet/client';
import { encodeMessage, KaosTalkGateway, Lane, type KaosSession } from '@kaosnet/transport';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Session resume (§4.6) stressed end to end: the real client SDK and the real server on loopback.
// A numbered stream of reliable messages flows both ways while the client's network is blacked out
// (the SDK's `setBlackout` seam drops every datagram in and out, as KT-56 does) for longer than the
// idle timeout, over and over; every blackout forces GRACE on the server and a resume by the client.
// The spec's promise is that reliable messages arrive exactly once and in order across each resume.
// WebSocket has no resume in v1 (§5.7), so this suite is UDP only.

const UP = 0x93;
const DOWN = 0x94;
const IDLE_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function numbered(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(n);
  return b;
}

async function until(probe: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** What went wrong with a received sequence that should be exactly 0 … total-1. */
function defects(got: readonly number[], total: number): { missing: number[]; duplicated: number[]; outOfOrder: number } {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  for (let i = 0; i < got.length; i++) {
    seen.set(got[i]!, (seen.get(got[i]!) ?? 0) + 1);
    if (i > 0 && got[i]! < got[i - 1]!) outOfOrder++;
  }
  const missing: number[] = [];
  for (let n = 0; n < total; n++) if (!seen.has(n)) missing.push(n);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([n]) => n);
  return { missing: missing.slice(0, 20), duplicated: duplicated.slice(0, 20), outOfOrder };
}

describe('RUDP session resume under repeated drops (SDK client, real server, UDP)', () => {
  let s: TestServer;
  let gateway: KaosTalkGateway;
  const upstream = new Map<string, number[]>();

  beforeAll(async () => {
    s = await startTestServer({
      // keepaliveMs set explicitly above the idle timeout (by default the server announces at most
      // idle / 3): a quiet client then times out and resumes on its own, again and again.
      config: {
        transport: {
          idleTimeoutMs: IDLE_MS,
          resumeGraceMs: 10_000,
          messageRate: { perSec: 10_000, burst: 10_000, bytesPerSec: 10_000_000 },
          rudp: { keepaliveMs: 2_000 },
        },
      },
    });
    gateway = s.server.app.get(KaosTalkGateway);
    gateway.dispatcher.setRawHandler(UP, (session, payload) => {
      const list = upstream.get(session.sessionId) ?? [];
      list.push(payload.readUInt32LE(0));
      upstream.set(session.sessionId, list);
    });
  });
  const sockets: KaosSocket[] = [];
  afterEach(() => {
    // Also after a failed case: an open client socket would keep Jest from exiting.
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await s.close();
  });

  /**
   * A connected SDK client whose DOWN messages are collected in order of arrival, with its
   * resume outcomes counted (`resumed.ok` / `resumed.failed`).
   */
  async function connected(name: string) {
    const { client, auth } = await newPlayer(s, name);
    const socket = await client.connect(auth, { transport: 'udp' });
    sockets.push(socket);
    const session: KaosSession = gateway.registry.get(socket.ack!.sessionId)!;
    const transport = socket.transport as UdpSocketTransport;
    const down: number[] = [];
    socket.on('appMessage', (op, payload) => op === DOWN && down.push(payload.readUInt32LE(0)));
    const resumed = { ok: 0, failed: 0 };
    transport.onResume = (ok) => (ok ? resumed.ok++ : resumed.failed++);
    return { socket, transport, session, down, resumed };
  }

  it('delivers reliable messages both ways exactly once and in order across 20 blackouts that each force a resume', async () => {
    const { socket, transport, session, down, resumed } = await connected('resume-stress');
    const resumedBefore = gateway.udp!.counters.resumed;

    // Both ends keep sending all the time: before, during and right after each blackout and
    // while the resume handshake runs. Bounded by MAX_EACH_WAY whatever the timing.
    const MAX_EACH_WAY = 8_000;
    let sentDown = 0;
    let sentUp = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 2 && sentDown < MAX_EACH_WAY; k++) {
        session.send(encodeMessage(DOWN, numbered(sentDown++)), Lane.RO);
        socket.sendApp(UP, numbered(sentUp++), Lane.RO);
      }
    }, 5);
    try {
      for (let i = 0; i < 20; i++) {
        const before = resumed.ok + resumed.failed;
        transport.setBlackout(true);
        // Longer than the idle timeout (both ends lose the connection), shorter than the client's
        // 5-s handshake timeout; varied so the drop and the resume land at different send phases.
        await sleep(IDLE_MS + 120 + ((i * 37) % 250));
        transport.setBlackout(false);
        expect(await until(() => resumed.ok + resumed.failed > before, 6_000)).toBe(true);
        expect(resumed.failed).toBe(0);
        await sleep(40 + ((i * 53) % 120));
      }
    } finally {
      clearInterval(pump);
    }
    const upOf = () => upstream.get(session.sessionId) ?? [];
    await until(() => down.length >= sentDown && upOf().length >= sentUp, 10_000);
    await sleep(300); // duplicates, if any, would show up now

    process.stdout.write(`resume stress: ${resumed.ok} resumes (server counted ${gateway.udp!.counters.resumed - resumedBefore}), ${sentDown} messages each way\n`);
    expect(resumed.ok).toBeGreaterThanOrEqual(20);
    expect(socket.closed).toBe(false);
    expect(gateway.registry.get(session.sessionId) === session).toBe(true);
    expect(defects(down, sentDown)).toEqual({ missing: [], duplicated: [], outOfOrder: 0 });
    expect(defects(upOf(), sentUp)).toEqual({ missing: [], duplicated: [], outOfOrder: 0 });
    expect(down).toEqual(Array.from({ length: sentDown }, (_, n) => n));
    expect(upOf()).toEqual(Array.from({ length: sentUp }, (_, n) => n));
    socket.close();
  }, 90_000);

  it('keeps the session of a silent client that loses and resumes its connection on its own, and delivers what the server sends between those cycles exactly once, in order', async () => {
    // The KT-57 observer's situation: the idle timeout (300 ms) is shorter than the keep-alive the
    // server announces, so a client with nothing to say is lost on both ends every ~300 ms and
    // resumes, over and over. Each silent spell below spans several such cycles; then the server
    // sends one reliable message (as a room would send a RoomState leave).
    const { socket, transport, session, down, resumed } = await connected('resume-quiet');
    const rounds = 8;
    for (let n = 0; n < rounds; n++) {
      await sleep(1_000 + ((n * 97) % 300));
      const where = () => `round ${n}, after ${resumed.ok} resumes: server session ${session.state}, client connection ${transport.state}`;
      // (A silent session ended here when its resumed connection timed out in PENDING.)
      if (gateway.registry.get(session.sessionId) !== session) throw new Error(`session gone in ${where()}`);
      session.send(encodeMessage(DOWN, numbered(n)), Lane.CONTROL);
      if (!(await until(() => down.length > n, 3_000))) throw new Error(`message ${n} never arrived in ${where()}`);
    }
    await sleep(300); // duplicates, if any, would show up now
    process.stdout.write(`silent client: ${resumed.ok} resumes, ${resumed.failed} failed\n`);
    expect(resumed.failed).toBe(0);
    expect(resumed.ok).toBeGreaterThanOrEqual(rounds);
    expect(gateway.registry.get(session.sessionId) === session).toBe(true);
    expect(down).toEqual(Array.from({ length: rounds }, (_, n) => n));
    socket.close();
  }, 60_000);

  it('delivers a sparse reliable stream exactly once and in order while a quiet client cycles through GRACE and resume', async () => {
    // The server's messages land before, during and after the cycles' GRACE periods: gaps from
    // 20 to 580 ms, some within the idle timeout, most past it.
    const { socket, transport, session, down, resumed } = await connected('resume-sparse');
    const total = 40;
    for (let n = 0; n < total; n++) {
      session.send(encodeMessage(DOWN, numbered(n)), Lane.CONTROL);
      await sleep(20 + ((n * 211) % 560));
    }
    await until(() => down.length >= total, 8_000);
    await sleep(300);
    process.stdout.write(`sparse stream: ${resumed.ok} resumes, ${resumed.failed} failed\n`);
    expect(resumed.failed).toBe(0);
    expect(resumed.ok).toBeGreaterThan(0);
    expect(defects(down, total)).toEqual({ missing: [], duplicated: [], outOfOrder: 0 });
    expect(down).toEqual(Array.from({ length: total }, (_, n) => n));
    socket.close();
  }, 60_000);
});
