import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KaosSocket, UdpSocketTransport } from '@kaosnet/client';
import { encodeMessage, KaosTalkGateway, Lane } from '@kaosnet/transport';
import { UdpLinkProxy } from '../../libs/transport/src/testing/udp-link-proxy.js';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The real client SDK and the real server, with the seeded link conditioner as a UDP proxy on
// loopback between them: reliable-ordered application messages must arrive exactly once and in
// order, both ways, through loss and jitter (jitter reorders datagrams, as netem does).

const UP = 0x91;
const DOWN = 0x92;
/** 300-B payloads, so a few messages fill a packet and the link drops many packets, not a handful. */
const u32 = (n: number) => {
  const b = Buffer.alloc(300);
  b.writeUInt32LE(n);
  return b;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RUDP end to end through a lossy, jittery link (UDP proxy)', () => {
  let s: TestServer;
  let gateway: KaosTalkGateway;
  const upstream = new Map<string, number[]>();

  beforeAll(async () => {
    s = await startTestServer({ config: { transport: { messageRate: { perSec: 10_000, burst: 10_000, bytesPerSec: 10_000_000 } } } });
    gateway = s.server.app.get(KaosTalkGateway);
    gateway.dispatcher.setRawHandler(UP, (session, payload) => {
      const list = upstream.get(session.sessionId) ?? [];
      list.push(payload.readUInt32LE(0));
      upstream.set(session.sessionId, list);
    });
  });
  afterAll(async () => {
    await s.close();
  });

  const cases = [
    { loss: 0.05, count: 400, seed: 5 },
    { loss: 0.2, count: 300, seed: 20 },
  ];

  it.each(cases)('$loss loss each way with 2 ms delay and 8 ms jitter: $count RO messages each way arrive exactly once, in order', async ({ loss, count, seed }) => {
    const link = { lossRate: loss, delayMs: 2, jitterMs: 8 };
    const a = gateway.udp!.address!;
    const proxy = new UdpLinkProxy({ target: { address: a.ip === '0.0.0.0' ? '127.0.0.1' : a.ip, port: a.port }, upstream: link, downstream: link, seed, maxLifetimeMs: 25_000 });
    const port = await proxy.start();
    try {
      const { client, auth } = await newPlayer(s, 'lossy');
      const info = await client.requestConnect(auth);
      const transport = await UdpSocketTransport.connect({ ...info, udp: [`127.0.0.1:${port}`] }, { handshakeTimeoutMs: 10_000 });
      const socket = new KaosSocket(transport);
      socket.defaultTimeoutMs = 10_000;
      const ack = await socket.start();
      const session = gateway.registry.get(ack.sessionId)!;
      const down: number[] = [];
      socket.on('appMessage', (op, payload) => op === DOWN && down.push(payload.readUInt32LE(0)));

      for (let i = 0; i < count; i += 3) {
        for (let k = i; k < Math.min(count, i + 3); k++) {
          socket.sendApp(UP, u32(k), Lane.RO);
          session.send(encodeMessage(DOWN, u32(k)), Lane.RO);
        }
        await sleep(2);
      }
      const end = Date.now() + 15_000;
      while ((down.length < count || (upstream.get(ack.sessionId)?.length ?? 0) < count) && Date.now() < end) await sleep(20);
      await sleep(100); // duplicates, if any, would show up now

      const expected = Array.from({ length: count }, (_, i) => i);
      expect(down).toEqual(expected);
      expect(upstream.get(ack.sessionId)).toEqual(expected);
      const stats = transport.stats()!;
      const lost = proxy.upstreamStats.lost + proxy.downstreamStats.lost;
      expect(lost).toBeGreaterThan(count * loss * 0.2); // the link really dropped a share of the traffic
      process.stdout.write(
        `conditioned ${loss * 100}%: ${lost} datagrams dropped by the proxy; client retransmitted ${stats.retransmittedBytes} of ${stats.reliableBytesSent} reliable bytes, srtt ${stats.srttMs.toFixed(1)} ms\n`,
      );
      socket.close();
    } finally {
      await proxy.close();
    }
  });
});
