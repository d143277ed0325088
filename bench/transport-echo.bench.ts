/**
 * Echo round trips in one process, one event loop (client and server share it, as in the stack
 * notes' raw baseline): raw dgram echo of 64-byte payloads vs KaosTalk echo over RUDP (client SDK →
 * server application op handler on the realtime lane → client) and over WebSocket. Latency is
 * measured with one message outstanding; throughput with many clients and a window of messages
 * in flight each. CPU = process.cpuUsage() over wall time (100 % = one core). Figures and ratios
 * against raw are printed, never asserted.
 *
 * RUDP runs with the spec's per-connection limits (300 inbound packets/s, 256 KiB/s send): the
 * latency run is paced under them, the throughput run spreads the load over many connections.
 *
 *   npm run bench:transport     (or: npm run bench -- transport-echo)
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { KaosSocket, UdpSocketTransport } from '@kaosnet/client';
import { encodeMessage, KaosTalkGateway, Lane } from '@kaosnet/transport';
import { newPlayer } from '../test/support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../test/support/test-server.js';

const ECHO_OP = 0xa0;
const PAYLOAD = 64;
const THROUGHPUT_MS = 3_000;

interface Row {
  name: string;
  p50: number;
  p99: number;
  msgsPerSec: number;
  cpu: number;
  note: string;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function latencies(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 50) * 1000, p99: pct(s, 99) * 1000 };
}

async function measureCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpu: number; ms: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, cpu: ((c.user + c.system) / 1000 / ms) * 100, ms };
}

// --- raw dgram ------------------------------------------------------------------------------

/** Raw echo RTT measured with the RUDP latency run's 5-ms pacing (like-for-like p50 / p99). */
let rawPaced: { p50: number; p99: number } | undefined;

async function rawEcho(): Promise<Row> {
  const server = createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  const port = server.address().port;
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  const payload = Buffer.alloc(PAYLOAD, 7);
  let onReply: (() => void) | undefined;
  let received = 0;
  client.on('message', () => {
    received++;
    onReply?.();
  });
  const rtt = async () => {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      onReply = resolve;
      client.send(payload, port, '127.0.0.1');
    });
    return performance.now() - t0;
  };
  for (let i = 0; i < 500; i++) await rtt();
  const samples: number[] = [];
  for (let i = 0; i < 5_000; i++) samples.push(await rtt());
  // The RUDP latency run is paced (5 ms between round trips, for the 300 packets/s inbound limit);
  // an idle gap alone costs a wake-up from epoll with cold caches, so measure raw the same way.
  const paced: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    paced.push(await rtt());
    await sleep(5);
  }
  rawPaced = latencies(paced);
  // Throughput: a window of 64 in flight, topped up every 5 ms (a datagram lost in a socket
  // buffer must not shrink the window for good).
  onReply = undefined;
  const WINDOW = 64;
  let sent = 0;
  const { value: count, cpu, ms } = await measureCpu(async () => {
    const start = received;
    sent = received;
    const end = performance.now() + THROUGHPUT_MS;
    const send = () => {
      sent++;
      client.send(payload, port, '127.0.0.1');
    };
    onReply = () => {
      if (performance.now() < end) send();
    };
    const topUp = setInterval(() => {
      for (let i = sent - received; i < WINDOW && performance.now() < end; i++) send();
    }, 5);
    for (let i = 0; i < WINDOW; i++) send();
    await sleep(THROUGHPUT_MS + 50);
    clearInterval(topUp);
    return received - start;
  });
  client.close();
  server.close();
  return { name: 'raw dgram echo', ...latencies(samples), msgsPerSec: (count / ms) * 1000, cpu, note: '1 socket pair, window 64' };
}

// --- KaosTalk -------------------------------------------------------------------------------

async function kaosClients(s: TestServer, transport: 'udp' | 'ws', n: number): Promise<KaosSocket[]> {
  const out: KaosSocket[] = [];
  for (let i = 0; i < n; i++) {
    const { client, auth } = await newPlayer(s, `bench-${transport}`);
    out.push(await client.connect(auth, { transport }));
    // Stay under the per-IP handshake budget (10/s, burst 20) on loopback.
    if (transport === 'udp' && i % 8 === 7) await sleep(900);
  }
  return out;
}

function echoRtt(socket: KaosSocket, payload: Buffer): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const on = (op: number) => {
      if (op !== ECHO_OP) return;
      socket.off('appMessage', on);
      resolve(performance.now() - t0);
    };
    socket.on('appMessage', on);
    socket.sendApp(ECHO_OP, payload, Lane.RO);
  });
}

async function kaosEcho(s: TestServer, transport: 'udp' | 'ws'): Promise<Row> {
  const payload = Buffer.alloc(PAYLOAD - 3, 7); // 64-byte KaosTalk message
  const [one] = await kaosClients(s, transport, 1);
  // UDP: pace the latency run under the 300 packets/s per-connection inbound limit.
  const gap = transport === 'udp' ? 5 : 0;
  for (let i = 0; i < 100; i++) await echoRtt(one!, payload);
  const samples: number[] = [];
  const rounds = transport === 'udp' ? 1_000 : 5_000;
  for (let i = 0; i < rounds; i++) {
    samples.push(await echoRtt(one!, payload));
    if (gap) await sleep(gap);
  }
  one!.close();

  const clients = transport === 'udp' ? 28 : 16; // ≤ 32 connections per source IP (§7.2)
  const window = transport === 'udp' ? 32 : 64;
  const sockets = await kaosClients(s, transport, clients);
  await sleep(200);
  let count = 0;
  const { cpu, ms } = await measureCpu(async () => {
    const end = performance.now() + THROUGHPUT_MS;
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.on('appMessage', (op) => {
              if (op !== ECHO_OP) return;
              count++;
              if (performance.now() < end) socket.sendApp(ECHO_OP, payload, Lane.RO);
              else resolve();
            });
            for (let i = 0; i < window; i++) socket.sendApp(ECHO_OP, payload, Lane.RO);
            setTimeout(resolve, THROUGHPUT_MS + 1_000);
          }),
      ),
    );
  });
  const perConn = sockets.map((x) => (x.transport as UdpSocketTransport).stats?.());
  for (const x of sockets) x.close();
  const retrans = transport === 'udp' ? perConn.reduce((n, st) => n + (st?.retransmittedBytes ?? 0), 0) : 0;
  return {
    name: `KaosTalk echo over ${transport === 'udp' ? 'RUDP' : 'WebSocket'}`,
    ...latencies(samples),
    msgsPerSec: (count / ms) * 1000,
    cpu,
    note: `${clients} clients × window ${window}${transport === 'udp' ? `, latency paced ${gap} ms, ${retrans} B retransmitted` : ''}`,
  };
}

async function main(): Promise<void> {
  const s = await startTestServer({
    config: { logLevel: 'error', transport: { messageRate: { perSec: 1_000_000, burst: 1_000_000, bytesPerSec: 1e9 } } } as never,
  });
  const gateway = s.server.app.get(KaosTalkGateway);
  gateway.dispatcher.setRawHandler(ECHO_OP, (session, payload) => session.send(encodeMessage(ECHO_OP, payload), Lane.RO));
  const rows: Row[] = [];
  try {
    rows.push(await rawEcho());
    rows.push(await kaosEcho(s, 'udp'));
    rows.push(await kaosEcho(s, 'ws'));
  } finally {
    await s.close();
  }
  const raw = rows[0]!;
  console.log(`node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? '?'} × ${(await import('node:os')).cpus().length}`);
  console.log('| path | RTT p50 µs | RTT p99 µs | msgs/s | CPU % | p50 / raw | msgs/s / raw | setup |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${Math.round(r.msgsPerSec).toLocaleString('en')} | ${r.cpu.toFixed(0)} | ${(r.p50 / raw.p50).toFixed(2)}× | ${(r.msgsPerSec / raw.msgsPerSec).toFixed(2)}× | ${r.note} |`,
    );
  }
  const udp = rows[1]!;
  if (rawPaced) {
    console.log(
      `raw dgram echo paced 5 ms like the RUDP latency run: p50 ${rawPaced.p50.toFixed(0)} µs, p99 ${rawPaced.p99.toFixed(0)} µs; RUDP p50 / paced raw ${(udp.p50 / rawPaced.p50).toFixed(2)}×`,
    );
  }
  console.log(
    `goals (RUDP): p50 ≤ 1.5× raw: ${udp.p50 <= 1.5 * raw.p50 ? 'met' : 'NOT met'}; p99 < 1 ms: ${udp.p99 < 1000 ? 'met' : 'NOT met'}; msgs/s ≥ 0.5× raw: ${udp.msgsPerSec >= 0.5 * raw.msgsPerSec ? 'met' : 'NOT met'}`,
  );
  process.exit(0);
}

void main();
