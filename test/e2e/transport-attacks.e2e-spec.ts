import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { ConnectInfo, KaosSocket } from '@kaosnet/client';
import {
  ConnectTokens,
  HandshakeClient,
  KaosTalkGateway,
  Op,
  TokenFlag,
  issueConnectToken,
  type HandshakeDropReason,
} from '@kaosnet/transport';
import { newPlayer, RawWsPeer } from '../support/kaos-test-client.js';
import { RawUdpPeer, settledHeap } from '../support/raw-udp-peer.js';
import { EchoRpcModule } from '../support/echo-rpc.module.js';
import { startTestServer, type TestServer } from '../support/test-server.js';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every socket a test binds stays here until closed: afterEach closes what a failed test left
 * (the flood binds 1,000), or the jest worker cannot exit and is force-exited at the end of the run.
 */
const openSockets = new Set<Socket>();

async function bindMany(ips: string[]): Promise<Socket[]> {
  return Promise.all(
    ips.map(
      (ip) =>
        new Promise<Socket>((resolve, reject) => {
          const s = createSocket('udp4');
          openSockets.add(s);
          s.once('error', reject);
          s.bind(0, ip, () => resolve(s));
        }),
    ),
  );
}

const closeAll = (sockets: Socket[]) =>
  Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((r) => {
          if (!openSockets.delete(s)) return r();
          try {
            s.close(() => r());
          } catch {
            r(); // never bound (bind failed): nothing to close
          }
        }),
    ),
  );

/** A HELLO or RESPONSE-carrying handshake client for `token` under arbitrary keys and protocol id. */
function helloFor(token: Buffer, keyC2s: Buffer, keyS2c: Buffer, protocolId: bigint): Buffer {
  return new HandshakeClient({ token, keyC2s, keyS2c, protocolId }).start(performance.now());
}

describe('KaosTalk transport under attack (live server on loopback)', () => {
  let s: TestServer;
  let gateway: KaosTalkGateway;
  let tokens: ConnectTokens;
  let server: { address: string; port: number };
  let protocolId: bigint;

  beforeAll(async () => {
    s = await startTestServer({ modules: [EchoRpcModule] });
    gateway = s.server.app.get(KaosTalkGateway);
    tokens = s.server.app.get(ConnectTokens);
    const a = gateway.udp!.address!;
    server = { address: a.ip === '0.0.0.0' ? '127.0.0.1' : a.ip, port: a.port };
    protocolId = gateway.options.protocolId;
  });
  /** Client sockets and raw peers a test opened, closed after it even when an expectation failed. */
  const clients: { close(): unknown }[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await closeAll([...openSockets]);
  });
  afterAll(async () => {
    await s.close();
  });

  const drops = (reason: HandshakeDropReason) => gateway.udp!.handshake!.counters.drops[reason];

  async function udpPlayer(): Promise<{ socket: KaosSocket; info: ConnectInfo }> {
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const socket = await client.connect(auth, { transport: 'udp' });
    clients.push(socket);
    return { socket, info };
  }

  async function startedPeer(bindIp = '127.0.0.1'): Promise<RawUdpPeer> {
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const peer = await RawUdpPeer.open(RawUdpPeer.serverOf(info), bindIp);
    clients.push(peer);
    await peer.handshake(info);
    const cid = peer.request(Op.SessionStart, { v: 1 });
    await peer.waitFor(() => peer.reply(Op.SessionAck, cid));
    return peer;
  }

  async function rpcOk(peer: RawUdpPeer, payload: string): Promise<void> {
    const cid = peer.request(Op.Rpc, { id: 'echo', payload });
    const reply = await peer.waitFor(() => peer.reply(Op.RpcResponse, cid));
    expect(reply['payload']).toBe(payload);
  }

  function closeFrames(peer: RawUdpPeer): number {
    let n = 0;
    for (const d of peer.received) for (const f of peer.inspect(d.bytes)?.frames ?? []) if (f.type === 0x03) n++;
    return n;
  }

  it('a spoofed-handshake flood from 1,000 loopback addresses gets zero bytes back and grows the heap ≤ 1 MB while a real client keeps working', async () => {
    const { socket: real, info } = await udpPlayer();
    const realToken = Buffer.from(info.connectToken, 'base64url');
    const ips: string[] = [];
    for (let b = 1; b <= 4; b++) for (let c = 1; c <= 250; c++) ips.push(`127.0.${b}.${c}`);
    const sockets = await bindMany(ips);
    let bytesBack = 0;
    for (const sk of sockets) sk.on('message', (m) => (bytesBack += m.length));

    // Every kind of forged handshake datagram, built before the baseline so only the server's heap moves.
    const pid = Buffer.alloc(8);
    pid.writeBigUInt64LE(protocolId);
    const kinds: ((i: number) => Buffer)[] = [
      () => Buffer.concat([Buffer.from([0x48]), randomBytes(1199)]), // random HELLO body, wrong protocol id
      () => {
        const h = Buffer.concat([Buffer.from([0x48]), pid, randomBytes(1191)]); // right protocol id, garbage token
        h[25] = 1;
        return h;
      },
      () => helloFor(realToken, randomBytes(32), randomBytes(32), protocolId), // genuine token, forged hello_mac
      () => {
        const r = Buffer.concat([Buffer.from([0x58]), pid, randomBytes(1191)]); // RESPONSE, forged cookie
        realToken.copy(r, 70);
        return r;
      },
      (i) => randomBytes(1 + (i % 1300)), // anything
      () => {
        const d = randomBytes(26 + (Math.random() * 100) | 0); // DATA for a random conn_id
        d[0] = 0x40;
        return d;
      },
    ];
    const rounds = kinds.length;
    const packets = sockets.map((_, i) => Array.from({ length: rounds }, (_, k) => kinds[(i + k) % kinds.length]!(i)));
    const sentBytes = packets.reduce((n, list) => n + list.reduce((m, p) => m + p.length, 0), 0);

    const before = await settledHeap();
    const out0 = gateway.udp!.counters.bytesOut;
    const pings: Promise<number>[] = [];
    for (let k = 0; k < rounds; k++) {
      for (let i = 0; i < sockets.length; i++) sockets[i]!.send(packets[i]![k]!, server.port, server.address);
      pings.push(real.ping(3000));
      await sleep(40);
    }
    // The real client is served during the flood: every ping is answered (each rejects after 3 s
    // without a reply). No tighter bound: on a loaded 2-core machine a reply once took 1.26 s.
    expect(await Promise.all(pings)).toHaveLength(rounds);
    await sleep(1000); // "silence" = nothing within 1 s
    const after = await settledHeap();
    const growth = after.heapUsed - before.heapUsed;

    expect(bytesBack).toBe(0);
    // … and the server sent nothing but the real client's packets (≤ a few per ping).
    expect(gateway.udp!.counters.bytesOut - out0).toBeLessThan(20 * 200);
    expect(sentBytes).toBeGreaterThan(3_000_000);
    // Measured with a forced GC when available (exact=true), otherwise heapUsed after a settle.
    expect({ exact: before.exact, growthUnderOneMiB: growth <= 1024 * 1024 }).toEqual({ exact: true, growthUnderOneMiB: true });
    process.stdout.write(`flood: ${sockets.length} source addresses, ${rounds * sockets.length} datagrams, ${(sentBytes / 1e6).toFixed(1)} MB in, heap growth ${(growth / 1024).toFixed(0)} KiB (gc=${after.exact})\n`);

    // … and after it: a request on the old session and a brand-new connection both work.
    expect(await real.rpc('echo', 'after-flood')).toBe('after-flood');
    const { socket: fresh } = await udpPlayer();
    expect(await fresh.rpc('echo', 'fresh')).toBe('fresh');
    fresh.close();
    real.close();
    await closeAll(sockets);
  });

  it('KT-28 before address validation the server sends at most what it received from that address (valid HELLOs, forged RESPONSEs)', async () => {
    const { client, auth } = await newPlayer(s);
    const info = await client.requestConnect(auth);
    const token = Buffer.from(info.connectToken, 'base64url');
    const keyC2s = Buffer.from(info.clientToServerKey, 'base64url');
    const keyS2c = Buffer.from(info.serverToClientKey, 'base64url');
    const perSource = new Map<string, { in: number; out: number; datagrams: number[] }>();
    const sockets = await bindMany(['127.0.5.1', '127.0.5.2', '127.0.5.3']);
    for (const sk of sockets) {
      const key = sk.address().address;
      perSource.set(key, { in: 0, out: 0, datagrams: [] });
      sk.on('message', (m) => {
        const e = perSource.get(key)!;
        e.in += m.length;
        e.datagrams.push(m.length);
      });
    }
    const send = (sk: Socket, bytes: Buffer) => {
      perSource.get(sk.address().address)!.out += bytes.length;
      sk.send(bytes, server.port, server.address);
    };
    // Source 3 replays a RESPONSE built from a CHALLENGE that was addressed to source 1.
    const stolen = new HandshakeClient({ token, keyC2s, keyS2c, protocolId });
    const challenge = new Promise<Buffer>((resolve) => sockets[0]!.once('message', (m) => resolve(Buffer.from(m))));
    send(sockets[0]!, stolen.start(performance.now()));
    const ev = stolen.onDatagram(performance.now(), await challenge);
    expect(ev.kind).toBe('send');
    if (ev.kind === 'send') for (let i = 0; i < 5; i++) send(sockets[2]!, ev.bytes);
    // Source 1: 40 more valid HELLOs (each with a fresh nonce), past the per-IP burst of 20.
    for (let i = 0; i < 40; i++) send(sockets[0]!, helloFor(token, keyC2s, keyS2c, protocolId));
    // Source 2: RESPONSEs with the genuine token and forged cookies.
    const pid = Buffer.alloc(8);
    pid.writeBigUInt64LE(protocolId);
    for (let i = 0; i < 10; i++) {
      const r = Buffer.concat([Buffer.from([0x58]), pid, randomBytes(1191)]);
      r[65] = 0;
      r.writeUInt32LE(0, 66);
      token.copy(r, 70);
      send(sockets[1]!, r);
    }
    await sleep(1000);
    for (const [ip, e] of perSource) {
      expect({ ip, within: e.in <= e.out }).toEqual({ ip, within: true });
      // Only 73-B CHALLENGEs may answer an unvalidated address.
      for (const size of e.datagrams) expect(size).toBe(73);
    }
    const first = perSource.get('127.0.5.1')!;
    expect(first.datagrams.length).toBeGreaterThan(0);
    expect(first.datagrams.length).toBeLessThanOrEqual(22); // burst 20 (+ refill at 10/s during the run)
    expect(perSource.get('127.0.5.2')!.in).toBe(0);
    expect(perSource.get('127.0.5.3')!.in).toBe(0);
    await closeAll(sockets);
  });

  describe('a live session meets hostile datagrams', () => {
    it('KT-39 replayed DATA has no effect: the Rpc inside runs once, one RpcResponse, no CLOSE', async () => {
      const peer = await startedPeer();
      const cid = peer.request(Op.Rpc, { id: 'echo', payload: 'once' });
      await peer.waitFor(() => peer.reply(Op.RpcResponse, cid));
      await sleep(50);
      for (let k = 0; k < 3; k++) for (const d of peer.sent) peer.sendRaw(d);
      await sleep(400);
      expect(peer.json(Op.RpcResponse).filter((b) => b['cid'] === cid)).toHaveLength(1);
      expect(peer.json(Op.SessionAck)).toHaveLength(1);
      expect(closeFrames(peer)).toBe(0);
      expect(gateway.udp!.connection(peer.conn!.connId!)!.rudp.stats().droppedReplay).toBeGreaterThanOrEqual(peer.sent.length);
      await rpcOk(peer, 'still');
      await peer.close();
    });

    it('KT-40 DATA with a flipped bit (header, ciphertext or tag) is dropped without CLOSE; the connection continues', async () => {
      const peer = await startedPeer();
      const conn = gateway.udp!.connection(peer.conn!.connId!)!;
      const authBefore = conn.rudp.stats().droppedAuth;
      let bit = 0;
      const bits = [5 * 8 + 3, 8 * 8 + 7, 9 * 8, 10 * 8 + 4, -1, -8, -16 * 8]; // pn, pn high byte, ciphertext, tag
      peer.outbound = (d) => {
        const t = Buffer.from(d);
        const b = bits[bit++ % bits.length]!;
        const at = b >= 0 ? b : t.length * 8 + b;
        t[at >>> 3] ^= 1 << (at & 7);
        return [t, d]; // the forgery arrives first
      };
      for (let i = 0; i < bits.length; i++) await rpcOk(peer, `t${i}`);
      peer.outbound = (d) => [d];
      expect(conn.rudp.stats().droppedAuth - authBefore).toBeGreaterThanOrEqual(bits.length);
      expect(closeFrames(peer)).toBe(0);
      expect(peer.connected).toBe(true);
      await peer.close();
    });

    it('truncated datagrams, wrong version/type bytes and wrong-protocol handshakes are dropped silently; the session continues', async () => {
      const peer = await startedPeer();
      // Baseline once the server has nothing unacked: a retransmission of the SessionAck (PTO on a
      // loaded machine) is not a reply to what follows.
      const conn = gateway.udp!.connection(peer.conn!.connId!)!;
      await peer.waitFor(() => conn.rudp.stats().bytesInFlight === 0);
      const received = peer.received.length;
      const model = peer.sent.at(-1)!;
      const malformed0 = gateway.udp!.counters.droppedMalformed;
      for (const len of [0, 1, 5, 8, 9, 10, 25, 26, model.length - 1]) peer.sendRaw(model.subarray(0, len));
      for (const b0 of [0x00, 0x41, 0x44, 0x80, 0xc0, 0x50, 0x60, 0x68, 0x70, 0xff]) {
        const t = Buffer.from(model);
        t[0] = b0;
        peer.sendRaw(t);
      }
      const otherPid = helloFor(randomBytes(302), randomBytes(32), randomBytes(32), protocolId ^ 1n);
      const pidDrops = drops('protocol-id');
      peer.sendRaw(otherPid);
      await sleep(1000);
      expect(peer.received.length).toBe(received); // silence
      expect(drops('protocol-id')).toBe(pidDrops + 1);
      expect(gateway.udp!.counters.droppedMalformed).toBeGreaterThan(malformed0);
      expect(closeFrames(peer)).toBe(0);
      await rpcOk(peer, 'alive');
      await peer.close();
    });
  });

  describe('tokens that are expired or for another server', () => {
    async function forged(kind: 'expired' | 'other-protocol' | 'other-endpoint' | 'unknown-key'): Promise<{ token: Buffer; keyC2s: Buffer; keyS2c: Buffer; pid: bigint; ws: string }> {
      const { client, auth } = await newPlayer(s);
      const info = await client.requestConnect(auth);
      const ring = tokens.keyRing.current;
      const now = Date.now();
      const pid = kind === 'other-protocol' ? protocolId + 1n : protocolId;
      const issued = issueConnectToken({
        userId: auth.userId,
        sessionId: info.sessionId,
        idleTimeoutMs: 0,
        flags: TokenFlag.UDP | TokenFlag.WS,
        endpoints: kind === 'other-endpoint' ? [{ ip: '127.0.0.1', port: server.port === 1 ? 2 : server.port - 1 }] : [{ ip: server.address, port: server.port }],
        protocolId: pid,
        keyId: kind === 'unknown-key' ? (ring.keyId + 1) & 0xff : ring.keyId,
        tokenKey: kind === 'unknown-key' ? randomBytes(32) : ring.key,
        now: kind === 'expired' ? now - 70_000 : now,
        lifetimeMs: 60_000,
      });
      return { token: issued.token, keyC2s: issued.keyC2s, keyS2c: issued.keyS2c, pid, ws: info.ws };
    }

    const reasons = {
      expired: 'token-expired',
      'other-protocol': 'token-protocol-id',
      'other-endpoint': 'token-endpoint',
      'unknown-key': 'token-key-id',
    } as const;

    it('KT-26 expired, other-protocol, other-endpoint and unknown-key tokens get silence over UDP, each a counted drop', async () => {
      const kinds = Object.keys(reasons) as (keyof typeof reasons)[];
      const forgedTokens = await Promise.all(kinds.map((k) => forged(k)));
      const sockets = await bindMany(kinds.map((_, i) => `127.0.6.${i + 1}`));
      let back = 0;
      for (const sk of sockets) sk.on('message', (m) => (back += m.length));
      const before = kinds.map((k) => drops(reasons[k]));
      kinds.forEach((kind, i) => {
        const t = forgedTokens[i]!;
        // The HELLO carries the configured protocol id so the token itself is what gets judged.
        sockets[i]!.send(helloFor(t.token, t.keyC2s, t.keyS2c, protocolId), server.port, server.address);
        if (kind === 'other-protocol') sockets[i]!.send(helloFor(t.token, t.keyC2s, t.keyS2c, t.pid), server.port, server.address);
      });
      await sleep(1000);
      expect(back).toBe(0);
      expect(kinds.map((k) => drops(reasons[k]))).toEqual(before.map((n) => n + 1));
      await closeAll(sockets);
    });

    it.each(Object.keys(reasons) as (keyof typeof reasons)[])('KT-22 a token that is %s is refused on WebSocket with 4401 and no KaosTalk message', async (kind) => {
      const t = await forged(kind);
      const peer = await RawWsPeer.open(t.ws);
      peer.sendStart(t.token.toString('base64url'));
      expect(await peer.closed).toBe(4401);
      expect(peer.received).toHaveLength(0);
    });
  });
});
