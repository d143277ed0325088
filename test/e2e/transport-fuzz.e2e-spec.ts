import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSocket, type Socket } from 'node:dgram';
import { createPacketCipher, encodeControlRequest, HandshakeClient, KaosTalkGateway, Op } from '@kaosnet/transport';
import { SeededRandom } from '../../libs/transport/src/testing/seeded-random.js';
import { newPlayer, RawWsPeer } from '../support/kaos-test-client.js';
import { RawUdpPeer, settledHeap } from '../support/raw-udp-peer.js';
import { EchoRpcModule } from '../support/echo-rpc.module.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Seeded fuzz of a live server: unauthenticated UDP garbage, authenticated-but-malformed RUDP
// frames and KaosTalk messages, and random WS binary messages after SessionStart. A short run is
// part of `npm test`; `npm run fuzz -- --seeds 1,2,3 --duration 60000` runs it long
// (scripts/fuzz.mjs sets KAOS_FUZZ_SEEDS and KAOS_FUZZ_MS).

const SEEDS = (process.env['KAOS_FUZZ_SEEDS'] ?? '20261125').split(',').map(Number);
/** Wall time per phase and seed. */
const PHASE_MS = Math.max(300, Math.floor(Number(process.env['KAOS_FUZZ_MS'] ?? 3600) / 3));
const LONG = process.env['KAOS_FUZZ_MS'] !== undefined;
/**
 * Each phase runs for PHASE_MS and, past that, until it has made MIN_ACTIONS inputs (at most
 * 4 × PHASE_MS in all): a wall-time bound alone left phase 2 at 44 inputs once on a slow machine
 * (each fresh UDP peer costs an account and a handshake), below the checks that the fuzz fuzzed.
 */
const MIN_ACTIONS = 80;
const phaseRunning = (start: number, actions: number) => {
  const t = performance.now() - start;
  return t < PHASE_MS || (actions < MIN_ACTIONS && t < 4 * PHASE_MS);
};
/**
 * Bounded growth of the (GC'd) heap over a run. Every session created leaves records that live
 * until its connect token expires (token-use record and identity, ~62 s), so the bound has a fixed
 * part and a per-session part; a leak of sessions, peers or buffers exceeds it over a long run.
 */
const heapBound = (sessions: number) => 4 * 1024 * 1024 + 40 * 1024 * sessions;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

/** Bit flips, truncation, extension, splices and byte overwrites of a model. */
function mutate(rng: SeededRandom, model: Buffer): Buffer {
  const out = Buffer.from(model);
  switch (rng.int(6)) {
    case 0: {
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips && out.length; i++) {
        const bit = rng.int(out.length * 8);
        out[bit >>> 3]! ^= 1 << (bit & 7);
      }
      return out;
    }
    case 1:
      return out.subarray(0, rng.int(out.length + 1));
    case 2:
      return Buffer.concat([out, rng.bytes(1 + rng.int(64))]);
    case 3: {
      if (out.length === 0) return out;
      const at = rng.int(out.length);
      rng.bytes(Math.min(out.length - at, 1 + rng.int(16))).copy(out, at);
      return out;
    }
    case 4: {
      // Interesting integers at a random offset (lengths, counts, ids).
      if (out.length < 2) return out;
      const at = rng.int(out.length - 1);
      out.writeUInt16LE([0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0xffff][rng.int(9)]!, at);
      return out;
    }
    default:
      return rng.bytes(rng.int(1300));
  }
}

/** A KaosTalk message with a random op (biased to interesting ones) and a random or mutated payload. */
function randomMessage(rng: SeededRandom): Buffer {
  const ops = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x20, 0x21, 0x30, 0x31, 0x32, 0x40, 0x60, 0x90, 0x91, 0xfe, 0xff];
  const op = rng.chance(0.8) ? ops[rng.int(ops.length)]! : rng.int(256);
  const models = [
    encodeControlRequest(Op.Rpc, 'f1', { id: 'echo', payload: 'x' }).subarray(3),
    Buffer.from('{"cid":"f2","ref":1}'),
    Buffer.from([1, 0, 2, 0, 0, 0, 1, 2, 3]),
    Buffer.alloc(8),
    Buffer.alloc(0),
  ];
  const payload = rng.chance(0.5) ? mutate(rng, models[rng.int(models.length)]!) : rng.bytes(rng.int(200));
  // By hand: encodeMessage rightly refuses op 0x00, which a hostile client may still send.
  const body = payload.subarray(0, 60_000);
  const out = Buffer.allocUnsafe(3 + body.length);
  out[0] = op;
  out.writeUInt16LE(body.length, 1);
  body.copy(out, 3);
  return out;
}

describe('fuzz against a live server', () => {
  let s: TestServer;
  let gateway: KaosTalkGateway;
  // Jest 30 already fails the running test on an unhandled rejection (checked with a deliberate
  // Promise.reject); the listener also catches them when this file runs under scripts/fuzz.mjs.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    s = await startTestServer({ modules: [EchoRpcModule], config: { transport: { messageRate: { perSec: 5_000, burst: 5_000, bytesPerSec: 10_000_000 } } } });
    gateway = s.server.app.get(KaosTalkGateway);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await s.close();
  });

  async function startedUdpPeer(): Promise<RawUdpPeer> {
    const { client, auth } = await newPlayer(s, 'fuzz');
    const info = await client.requestConnect(auth);
    const peer = await RawUdpPeer.open(RawUdpPeer.serverOf(info));
    await peer.handshake(info);
    const cid = peer.request(Op.SessionStart, { v: 1 });
    await peer.waitFor(() => peer.reply(Op.SessionAck, cid));
    return peer;
  }

  async function startedWsPeer(): Promise<RawWsPeer> {
    const { client, auth } = await newPlayer(s, 'fuzz');
    const info = await client.requestConnect(auth);
    const peer = await RawWsPeer.open(info.ws);
    peer.sendStart(info.connectToken);
    await peer.waitFor((m) => m.op === Op.SessionAck);
    return peer;
  }

  it.each(SEEDS)('seed %i: no crash, no unhandled rejection, bounded heap, and a fresh client is served afterwards', async (seed) => {
    const rng = new SeededRandom(seed);
    const survivor = await startedUdpPeer(); // a bystander session that must never notice
    const server = survivor.server;
    const base = await settledHeap();
    const counts = { garbage: 0, sealed: 0, messages: 0, ws: 0, udpPeers: 0, wsPeers: 0, closedByServer: 0 };

    // Phase 1: unauthenticated datagrams from several loopback sources (mutated HELLO / RESPONSE /
    // DATA models, random bytes), plus mutated copies of the bystander's real DATA packets.
    const { client, auth } = await newPlayer(s, 'fuzz');
    const info = await client.requestConnect(auth);
    const keys = { token: Buffer.from(info.connectToken, 'base64url'), keyC2s: Buffer.from(info.clientToServerKey, 'base64url'), keyS2c: Buffer.from(info.serverToClientKey, 'base64url') };
    const hello = new HandshakeClient({ ...keys, protocolId: BigInt(info.protocolId) }).start(performance.now());
    const response = Buffer.from(hello);
    response[0] = 0x58;
    const handshakeModels = [hello, response];
    const dataModels = survivor.sent.slice(-4);
    const sources: Socket[] = await Promise.all(
      [1, 2, 3, 4].map(
        (i) =>
          new Promise<Socket>((resolve) => {
            const sk = createSocket('udp4');
            sk.on('error', () => undefined);
            sk.bind(0, `127.0.8.${i}`, () => resolve(sk));
          }),
      ),
    );
    let start = performance.now();
    while (phaseRunning(start, counts.garbage)) {
      for (let i = 0; i < 40; i++) {
        const sk = sources[rng.int(sources.length)]!;
        // Copies of the bystander's DATA stay under its inbound packet limit (300/s before decrypt):
        // above it the server rightly drops its genuine packets too, and closes it after 10 s.
        const model = rng.chance(0.04) ? dataModels[rng.int(dataModels.length)]! : handshakeModels[rng.int(2)]!;
        const d = rng.chance(0.15) ? rng.bytes(rng.int(1400)) : mutate(rng, model);
        sk.send(d, server.port, server.address);
        counts.garbage++;
      }
      await sleep(10); // ≈ 4,000 datagrams/s: well under the global handshake budget
    }

    const progress = (what: string) => LONG && process.stderr.write(`fuzz seed ${seed}: ${what} ${JSON.stringify(counts)}\n`);
    progress('phase 1 done');
    // Phase 2: authenticated but malformed: frames sealed under a real connection's key (random,
    // or mutated copies of genuine plaintexts) and random KaosTalk messages inside valid frames.
    start = performance.now();
    let peer: RawUdpPeer | undefined;
    let opener: ReturnType<typeof createPacketCipher> | undefined;
    let nextPn = 0;
    while (phaseRunning(start, counts.sealed + counts.messages)) {
      if (!peer || !peer.connected) {
        if (peer && peer.closes.length) counts.closedByServer++;
        await peer?.close();
        peer = await startedUdpPeer();
        opener = createPacketCipher(peer.established!.keys.c2s, 0);
        // Forgeries go a little ahead of the connection's own pns (inside the 1,024 replay window),
        // so its genuine packets, CLOSE included, still authenticate afterwards.
        nextPn = peer.conn!.stats().packetsSent + 64;
        counts.udpPeers++;
      }
      const p = peer;
      if (rng.chance(0.5)) {
        const genuine = p.sent.length ? opener!.openPacket(p.sent[rng.int(p.sent.length)]!) : null;
        const plain = genuine && rng.chance(0.7) ? mutate(rng, genuine) : rng.bytes(1 + rng.int(200));
        if (plain.length >= 1 && plain.length <= 1175) {
          nextPn = Math.max(nextPn, p.conn!.stats().packetsSent + 64);
          p.sendRaw(p.established!.sendCipher.sealPacket(p.conn!.connId!, nextPn++, plain));
          counts.sealed++;
        }
      } else {
        for (let i = 0; i < 1 + rng.int(4); i++) {
          p.sendMessage(rng.chance(0.8) ? 0 : rng.int(5), randomMessage(rng));
          counts.messages++;
        }
      }
      await turn();
      if (rng.chance(0.05)) await sleep(5);
    }
    await peer?.close();
    progress('phase 2 done');

    // Phase 3: WebSocket binary messages after SessionStart (random bytes, or framed random messages).
    start = performance.now();
    let ws: RawWsPeer | undefined;
    while (phaseRunning(start, counts.ws)) {
      if (!ws || ws.closeCode !== undefined || ws.ws.readyState !== 1) {
        ws?.ws.terminate();
        ws = await startedWsPeer();
        counts.wsPeers++;
      }
      const frame = rng.chance(0.2) ? rng.bytes(rng.int(300)) : Buffer.concat(Array.from({ length: 1 + rng.int(4) }, () => randomMessage(rng)));
      if (frame.length) ws.send(frame);
      counts.ws++;
      await turn();
    }
    ws?.ws.terminate();
    for (const sk of sources) sk.close();
    progress('phase 3 done');

    // The bystander kept its session through all of it.
    const cid = survivor.request(Op.Rpc, { id: 'echo', payload: 'still here' });
    expect(await survivor.waitFor(() => survivor.reply(Op.RpcResponse, cid))).toMatchObject({ payload: 'still here' });
    await survivor.close();
    await sleep(1_200); // closed RUDP connections drain for drainMs (≥ 1 s) before they are freed

    if (LONG) for (const x of gateway.registry.all()) process.stderr.write(`live: ${x.link.remoteAddress} ${x.state} age ${Date.now() - x.connectedAt} ms rudp ${JSON.stringify((x.link as unknown as { rudp?: { stats(): unknown } }).rudp?.stats())}\n`);
    const after = await settledHeap();
    const growth = after.heapUsed - base.heapUsed;
    process.stdout.write(
      `fuzz seed ${seed}: ${JSON.stringify(counts)}; live sessions ${gateway.registry.size}, udp conns ${gateway.udp!.connectionCount}; heap growth ${(growth / 1024).toFixed(0)} KiB (gc=${after.exact})\n`,
    );
    expect(rejections).toEqual([]);
    expect(counts.garbage).toBeGreaterThan(100);
    expect(counts.sealed + counts.messages).toBeGreaterThan(50);
    expect(counts.ws).toBeGreaterThan(50);
    const sessions = counts.udpPeers + counts.wsPeers + 2;
    process.stdout.write(`fuzz seed ${seed}: ${(growth / 1024 / sessions).toFixed(1)} KiB heap growth per session created\n`);
    expect(growth).toBeLessThan(heapBound(sessions));

    // A fresh client is served on both transports.
    const fresh = await newPlayer(s, 'after-fuzz');
    const udp = await fresh.client.connect(fresh.auth, { transport: 'udp' });
    expect(await udp.rpc('echo', 'udp ok')).toBe('udp ok');
    udp.close();
    const again = await newPlayer(s, 'after-fuzz');
    const wsSocket = await again.client.connect(again.auth, { transport: 'ws' });
    expect(await wsSocket.rpc('echo', 'ws ok')).toBe('ws ok');
    wsSocket.close();
  }, LONG ? 3_600_000 : 30_000);
});
