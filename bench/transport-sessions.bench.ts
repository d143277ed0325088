/**
 * Idle sessions held with keep-alives (§3.9): a KaosTalk server (gateway + UDP endpoint, no HTTP or
 * database: tokens are issued in-process and SessionStart resolves identities from a stub) runs in
 * a CHILD process, so its RSS is measured alone; this process opens the sessions with a light
 * client loop (HandshakeClient + RudpConnection per session, one dgram socket per source address
 * shared by 10 sessions) and keeps them alive. Goal: 20,000 sessions with server RSS < 1 GiB.
 *
 *   npm run bench -- transport-sessions [count] [holdSeconds]     (default 20000 30)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '@kaosnet/common';
import {
  ConnectTokens,
  HandshakeClient,
  KaosTalkGateway,
  Op,
  RudpConnection,
  RudpRole,
  RudpState,
  UdpEndpoint,
  defaultTransportOptions,
  duplexCipher,
  encodeControlRequest,
  type ConnectInfo,
} from '@kaosnet/transport';

const PER_IP = 10;

// --- server (child) -------------------------------------------------------------------------

async function serve(max: number): Promise<void> {
  const clock = new SystemClock();
  const options = defaultTransportOptions({
    tokenKeys: { current: { id: 1, key: Buffer.alloc(32, 9) } },
    udp: { enabled: true, host: '127.0.0.1', port: 0 },
    maxSessions: max + 100,
    messageRate: { perSec: 200, burst: 400, bytesPerSec: 262_144 },
  });
  const tokens = new ConnectTokens(options, clock, options.maxSessions);
  const authority = { resolve: async (userId: string, sessionId: string) => ({ userId, sessionId, username: `u-${userId.slice(0, 8)}` }) };
  const gateway = new KaosTalkGateway(options, clock, authority, tokens);
  gateway.udp = new UdpEndpoint(options, gateway.registry, gateway.dispatcher, gateway.starter, tokens, clock);
  gateway.addEndpoint(gateway.udp);
  await gateway.start();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  process.on('message', (msg: { kind: string; n?: number }) => {
    if (msg.kind === 'issue') {
      const infos: ConnectInfo[] = [];
      for (let i = 0; i < msg.n!; i++) infos.push(tokens.issue({ userId: randomUUID(), sessionId: randomUUID() }, 'ws://unused/ws'));
      process.send!({ kind: 'tokens', infos });
    } else if (msg.kind === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      const c = process.cpuUsage(cpu0);
      const ms = performance.now() - t0;
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      const m = process.memoryUsage();
      const u = gateway.udp!.counters;
      process.send!({ kind: 'stats', sessions: gateway.registry.size, conns: gateway.udp!.connectionCount, rss: m.rss, heap: m.heapUsed, cpu: ((c.user + c.system) / 1000 / ms) * 100, graceExpired: u.graceExpired, datagramsIn: u.datagramsIn, datagramsOut: u.datagramsOut });
    } else if (msg.kind === 'stop') {
      void gateway.stop().then(() => process.exit(0));
    }
  });
  process.send!({ kind: 'ready' });
}

// --- clients (parent) -----------------------------------------------------------------------

interface Client {
  hs?: HandshakeClient;
  conn?: RudpConnection;
  acked: boolean;
  next: number;
  socket: Socket;
  done?: (ok: boolean) => void;
}

function request<T>(child: ChildProcess, msg: object, kind: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { kind: string }) => {
      if (m.kind !== kind) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(msg);
  });
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20_000);
  const holdS = Number(process.argv[3] ?? 30);
  const child = fork(fileURLToPath(import.meta.url), ['serve', String(count)], { execArgv: ['--expose-gc', '--import', './scripts/ts-register.mjs'] });
  await request(child, {}, 'ready').catch(() => undefined);
  const clients: Client[] = [];
  const byConn = new Map<number, Client>();
  const sockets: Socket[] = [];
  const now = () => performance.now();
  const flush = (c: Client) => {
    if (!c.conn) return;
    for (const d of c.conn.poll(now())) c.socket.send(d);
    c.next = c.conn.nextTimeout() ?? Infinity;
  };
  const t0 = now();
  let connected = 0;
  const server = await (async () => {
    const { infos } = await request<{ infos: ConnectInfo[] }>(child, { kind: 'issue', n: 1 }, 'tokens');
    const [host, port] = infos[0]!.udp[0]!.split(':');
    return { host: host!, port: Number(port) };
  })();

  for (let base = 0; base < count; base += 1000) {
    const n = Math.min(1000, count - base);
    const { infos } = await request<{ infos: ConnectInfo[] }>(child, { kind: 'issue', n }, 'tokens');
    const batch: Promise<boolean>[] = [];
    for (let i = 0; i < n; i += PER_IP) {
      const k = (base + i) / PER_IP;
      const ip = `127.${2 + Math.floor(k / 62_500)}.${Math.floor(k / 250) % 250 + 1}.${(k % 250) + 1}`;
      const socket = createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, ip, () => socket.connect(server.port, server.host, () => r())));
      sockets.push(socket);
      const group: Client[] = [];
      socket.on('message', (msg) => {
        if (msg[0] === 0x40 && msg.length >= 26) {
          const c = byConn.get(msg.readUInt32LE(1));
          if (c?.conn) {
            c.conn.onDatagram(now(), msg);
            flush(c);
            return;
          }
        }
        for (const c of group) {
          if (!c.hs || c.conn) continue;
          const ev = c.hs.onDatagram(now(), msg);
          if (ev.kind === 'send') socket.send(ev.bytes);
          else if (ev.kind === 'established') {
            const e = ev.connection;
            const conn = new RudpConnection({
              role: RudpRole.CLIENT,
              connId: e.connId,
              cipher: duplexCipher(e.sendCipher, e.receiveCipher),
              now: now(),
              rttSeedMs: e.rttSeedMs,
              listener: {
                onMessage: (_ch, m) => {
                  if (m[0] === Op.SessionAck && !c.acked) {
                    c.acked = true;
                    c.done?.(true);
                  }
                },
              },
            });
            c.conn = conn;
            c.hs = undefined;
            byConn.set(e.connId, c);
            conn.onDatagram(now(), msg);
            conn.send(0, encodeControlRequest(Op.SessionStart, 's', { v: 1 }));
            flush(c);
            return;
          }
        }
      });
      for (let j = 0; j < PER_IP && i + j < n; j++) {
        const info = infos[i + j]!;
        const c: Client = { acked: false, next: Infinity, socket };
        c.hs = new HandshakeClient({
          token: Buffer.from(info.connectToken, 'base64url'),
          keyC2s: Buffer.from(info.clientToServerKey, 'base64url'),
          keyS2c: Buffer.from(info.serverToClientKey, 'base64url'),
          protocolId: BigInt(info.protocolId),
        });
        group.push(c);
        clients.push(c);
        batch.push(
          new Promise<boolean>((resolve) => {
            c.done = resolve;
            setTimeout(() => resolve(false), 10_000);
          }),
        );
        socket.send(c.hs.start(now()));
      }
    }
    connected += (await Promise.all(batch)).filter(Boolean).length;
  }
  const setupS = (now() - t0) / 1000;
  console.log(`opened ${connected} / ${count} sessions in ${setupS.toFixed(1)} s from ${sockets.length} source addresses`);

  // Keep-alive loop: poll every due connection (RudpConnection sends PING after keepalive_ms).
  const tick = setInterval(() => {
    const t = now();
    for (const c of clients) if (c.conn && c.next <= t) flush(c);
  }, 50);

  type Stats = { sessions: number; conns: number; rss: number; heap: number; cpu: number; graceExpired: number; datagramsIn: number; datagramsOut: number };
  await request<Stats>(child, { kind: 'stats' }, 'stats'); // reset the CPU window
  const samples: Stats[] = [];
  for (let s = 0; s < holdS; s += 10) {
    await new Promise((r) => setTimeout(r, 10_000));
    const st = await request<Stats>(child, { kind: 'stats' }, 'stats');
    samples.push(st);
    console.log(
      `  t+${s + 10}s: server sessions ${st.sessions}, conns ${st.conns}, RSS ${(st.rss / 2 ** 20).toFixed(0)} MiB, heap ${(st.heap / 2 ** 20).toFixed(0)} MiB, CPU ${st.cpu.toFixed(0)} %, in ${st.datagramsIn} / out ${st.datagramsOut} datagrams`,
    );
  }
  clearInterval(tick);
  const last = samples.at(-1)!;
  const alive = clients.filter((c) => c.conn?.state === RudpState.CONNECTED).length;
  console.log('| sessions held | server RSS MiB | server heap MiB | RSS per session KiB | server CPU % (keep-alives) | client-side still CONNECTED |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${last.sessions.toLocaleString('en')} | ${(last.rss / 2 ** 20).toFixed(0)} | ${(last.heap / 2 ** 20).toFixed(0)} | ${(last.rss / 1024 / Math.max(1, last.sessions)).toFixed(1)} | ${last.cpu.toFixed(0)} | ${alive.toLocaleString('en')} |`);
  console.log(`goal 20,000 sessions with RSS < 1 GiB: ${last.sessions >= 20_000 && last.rss < 2 ** 30 ? 'met' : 'NOT met'}`);
  child.send({ kind: 'stop' });
  for (const s of sockets) s.close();
  process.exit(0);
}

if (process.argv[2] === 'serve') void serve(Number(process.argv[3]));
else void main();
