/**
 * Echo round trips in one process, one event loop (client and server share it, as in the stack
 * notes' raw baseline): raw dgram echo of 64-byte payloads vs KaosTalk echo over RUDP (client SDK →
 * server application op handler on the realtime lane → client) and over WebSocket. Latency is
 * measured with one message outstanding; throughput with many clients and a window of messages
 * in flight each. CPU = process.cpuUsage() over wall time (100 % = one core). Figures and ratios
 * against raw are printed, never asserted.
 *
 * The per-connection abuse limits of §7.2 (300 inbound packets/s, 256 KiB/s send) are lifted on
 * both ends (`config.transport.rudp`, the client's `udpLimits`): a back-to-back ping-pong exceeds
 * them by design, and the goal compares the cost of the protocol, not the policy. A second latency
 * run paces every path 5 ms apart (a game-like cadence, under the default limits): an idle gap
 * costs a cold wake-up on every path, so it is printed as its own rows.
 *
 *   npm run bench:transport     (or: npm run bench -- transport-echo)
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { KaosSocket, UdpSocketTransport } from '@kaosnet/client';
import { AeadPacketCipher, encodeMessage, KaosTalkGateway, Lane } from '@kaosnet/transport';
import { ipLiteralLookup } from '../libs/transport/src/udp/ip-literal-lookup.js';
import { newPlayer } from '../test/support/kaos-test-client.js';
import { startTestServer, type TestServer } from '../test/support/test-server.js';
import { preemptionProbe } from './support/machine-probe.js';

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

/** Median and quartiles over blocks of p50(block b of `path`) / p50(block b of `base`). */
function blockRatios(path: number[], base: number[]): { median: number; q1: number; q3: number } {
  const ratios: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const slice = (xs: number[]) => xs.slice(b * BLOCK_RTTS, (b + 1) * BLOCK_RTTS);
    ratios.push(latencies(slice(path)).p50 / latencies(slice(base)).p50);
  }
  ratios.sort((a, b) => a - b);
  return { median: pct(ratios, 50), q1: pct(ratios, 25), q3: pct(ratios, 75) };
}

function blockRatio(path: number[], base: number[]): string {
  const r = blockRatios(path, base);
  return `${r.median.toFixed(2)}× (${r.q1.toFixed(2)}–${r.q3.toFixed(2)})`;
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

/** Lifts the §7.2 per-connection caps (see the header). */
const UNCAPPED = { maxInboundPacketsPerSec: 1e9, maxSendRate: 1e12, pacerBurst: 1e12 };
const PACE_MS = 5;
/**
 * Latency runs alternate the paths in blocks, so drift in the machine's load hits all alike; each
 * ratio is also printed as the median of per-block ratios (block b of a path against block b of
 * raw), which a slow spell during some blocks moves less than the ratio of pooled p50s.
 */
const BLOCKS = 30;
const PACED_BLOCKS = 10;
const BLOCK_RTTS = 500;
const PACED_BLOCK_RTTS = 100;

type Probe = { name: string; rtt: () => Promise<number>; close: () => void };

/**
 * Raw dgram echo: a bound server socket echoing to the sender, one client socket. `sameSetup`
 * gives both the socket setup KaosNet uses (a second baseline, so what that setup alone is worth
 * stays visible): the server socket answers IP-literal lookups at once, and the client socket is
 * connected, as the SDK's is, so neither side's send waits for `dns.lookup`.
 */
async function rawProbe(sameSetup = false): Promise<Probe & { socketPair: { client: Socket; port: number } }> {
  const server = sameSetup ? createSocket({ type: 'udp4', lookup: ipLiteralLookup }) : createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  const port = server.address().port;
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  if (sameSetup) await new Promise<void>((r) => client.connect(port, '127.0.0.1', r));
  const payload = Buffer.alloc(PAYLOAD, 7);
  let onReply: (() => void) | undefined;
  client.on('message', () => onReply?.());
  const send = sameSetup ? () => client.send(payload) : () => client.send(payload, port, '127.0.0.1');
  return {
    name: sameSetup ? "raw dgram echo, KaosNet's socket setup (connected client, IP-literal lookup)" : 'raw dgram echo',
    socketPair: { client, port },
    rtt: () => {
      const t0 = performance.now();
      return new Promise<number>((resolve) => {
        onReply = () => resolve(performance.now() - t0);
        send();
      });
    },
    close: () => {
      client.close();
      server.close();
    },
  };
}

async function kaosClients(s: TestServer, transport: 'udp' | 'ws', n: number): Promise<KaosSocket[]> {
  const out: KaosSocket[] = [];
  for (let i = 0; i < n; i++) {
    const { client, auth } = await newPlayer(s, `bench-${transport}`);
    out.push(await client.connect(auth, { transport, udpLimits: UNCAPPED }));
    // Stay under the per-IP handshake budget (10/s, burst 20) on loopback.
    if (transport === 'udp' && i % 8 === 7) await sleep(900);
  }
  return out;
}

async function kaosProbe(s: TestServer, transport: 'udp' | 'ws'): Promise<Probe> {
  const [socket] = await kaosClients(s, transport, 1);
  const payload = Buffer.alloc(PAYLOAD - 3, 7); // 64-byte KaosTalk message
  let onReply: (() => void) | undefined;
  socket!.on('appMessage', (op) => {
    if (op === ECHO_OP) onReply?.();
  });
  return {
    name: `KaosTalk echo over ${transport === 'udp' ? 'RUDP' : 'WebSocket'}`,
    rtt: () => {
      const t0 = performance.now();
      return new Promise<number>((resolve) => {
        onReply = () => resolve(performance.now() - t0);
        socket!.sendApp(ECHO_OP, payload, Lane.RO);
      });
    },
    close: () => socket!.close(),
  };
}

/** Back-to-back and paced RTTs of every probe, interleaved block by block. */
async function latencyRuns(probes: Probe[]): Promise<{ tight: number[][]; paced: number[][] }> {
  const tight = probes.map(() => [] as number[]);
  const paced = probes.map(() => [] as number[]);
  // Long warm-up: with 500 the JIT was still compiling the RUDP path during the first blocks
  // (background compile threads competing for the two CPUs; see bench/rooms.bench.ts).
  for (const p of probes) for (let i = 0; i < 5_000; i++) await p.rtt();
  for (let b = 0; b < BLOCKS; b++) {
    for (const [k, p] of probes.entries()) for (let i = 0; i < BLOCK_RTTS; i++) tight[k]!.push(await p.rtt());
  }
  for (let b = 0; b < PACED_BLOCKS; b++) {
    for (const [k, p] of probes.entries()) {
      for (let i = 0; i < PACED_BLOCK_RTTS; i++) {
        paced[k]!.push(await p.rtt());
        await sleep(PACE_MS);
      }
    }
  }
  return { tight, paced };
}

/**
 * `--aead-timing`: after the main runs, times every seal and open inside RUDP round trips by
 * wrapping AeadPacketCipher's methods in this process (bench-only; the library is not touched).
 * This is how docs/transport.md's "AEAD costs 2.1–2.4 µs per operation live" was measured.
 */
async function aeadTiming(rudp: Probe): Promise<string> {
  const proto = AeadPacketCipher.prototype as unknown as Record<'sealPacket' | 'open', (...a: unknown[]) => unknown>;
  const originals = { sealPacket: proto.sealPacket, open: proto.open };
  let ops = 0;
  let ms = 0;
  for (const name of ['sealPacket', 'open'] as const) {
    const original = originals[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      const r = original.apply(this, args);
      ms += performance.now() - t0;
      ops++;
      return r;
    };
  }
  const rtts: number[] = [];
  try {
    for (let i = 0; i < 1_000; i++) await rudp.rtt();
    [ops, ms] = [0, 0];
    for (let i = 0; i < 5_000; i++) rtts.push(await rudp.rtt());
  } finally {
    Object.assign(proto, originals);
  }
  const { p50 } = latencies(rtts);
  return `AEAD inside live RUDP round trips: ${ops} operations, ${((ms / ops) * 1000).toFixed(2)} µs each, ${((ms / rtts.length) * 1000).toFixed(2)} µs per round trip (round trip p50 ${p50.toFixed(0)} µs while timed)`;
}

// --- throughput -----------------------------------------------------------------------------

async function rawThroughput(): Promise<{ msgsPerSec: number; cpu: number }> {
  const raw = await rawProbe();
  const { client, port } = raw.socketPair;
  const payload = Buffer.alloc(PAYLOAD, 7);
  let received = 0;
  client.on('message', () => {
    received++;
    if (performance.now() < end) send();
  });
  // A window of 64 in flight, topped up every 5 ms (a datagram lost in a socket buffer must not
  // shrink the window for good).
  const WINDOW = 64;
  let sent = 0;
  let end = Infinity;
  const send = () => {
    sent++;
    client.send(payload, port, '127.0.0.1');
  };
  const { value: count, cpu, ms } = await measureCpu(async () => {
    end = performance.now() + THROUGHPUT_MS;
    const topUp = setInterval(() => {
      for (let i = sent - received; i < WINDOW && performance.now() < end; i++) send();
    }, 5);
    for (let i = 0; i < WINDOW; i++) send();
    await sleep(THROUGHPUT_MS + 50);
    clearInterval(topUp);
    return received;
  });
  raw.close();
  return { msgsPerSec: (count / ms) * 1000, cpu };
}

async function kaosThroughput(s: TestServer, transport: 'udp' | 'ws'): Promise<{ msgsPerSec: number; cpu: number; note: string }> {
  const payload = Buffer.alloc(PAYLOAD - 3, 7);
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
    msgsPerSec: (count / ms) * 1000,
    cpu,
    note: `${clients} clients × window ${window}${transport === 'udp' ? `, ${retrans} B retransmitted` : ''}`,
  };
}

async function main(): Promise<void> {
  const s = await startTestServer({
    config: { logLevel: 'error', transport: { messageRate: { perSec: 1_000_000, burst: 1_000_000, bytesPerSec: 1e9 }, rudp: UNCAPPED } } as never,
  });
  const gateway = s.server.app.get(KaosTalkGateway);
  gateway.dispatcher.setRawHandler(ECHO_OP, (session, payload) => session.send(encodeMessage(ECHO_OP, payload), Lane.RO));
  const rows: Row[] = [];
  const probeBefore = preemptionProbe();
  let pacedRows: { name: string; p50: number; p99: number }[] = [];
  let aeadLine: string | undefined;
  let sameSetup = { name: '', p50: 0, p99: 0 };
  let tightSamples: number[][] = [];
  try {
    const probes = [await rawProbe(), await kaosProbe(s, 'udp'), await kaosProbe(s, 'ws'), await rawProbe(true)];
    const { tight, paced } = await latencyRuns(probes);
    if (process.argv.includes('--aead-timing')) aeadLine = await aeadTiming(probes[1]!);
    for (const p of probes) p.close();
    pacedRows = probes.map((p, k) => ({ name: p.name, ...latencies(paced[k]!) }));
    tightSamples = tight;
    sameSetup = { name: probes[3]!.name, ...latencies(tight[3]!) };
    const raw = await rawThroughput();
    rows.push({ name: probes[0]!.name, ...latencies(tight[0]!), ...raw, note: '1 socket pair, window 64' });
    rows.push({ name: probes[1]!.name, ...latencies(tight[1]!), ...(await kaosThroughput(s, 'udp')) });
    rows.push({ name: probes[2]!.name, ...latencies(tight[2]!), ...(await kaosThroughput(s, 'ws')) });
  } finally {
    await s.close();
  }
  const probeAfter = preemptionProbe();
  const raw = rows[0]!;
  const os = await import('node:os');
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`before: ${probeBefore.text}\nafter:  ${probeAfter.text}`);
  console.log(`latency: one message in flight, ${BLOCKS} blocks of ${BLOCK_RTTS} round trips per path, paths alternating; msgs/s: ${THROUGHPUT_MS / 1000} s`);
  console.log('| path | RTT p50 µs | RTT p99 µs | msgs/s | CPU % | p50 / raw | msgs/s / raw | setup |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${Math.round(r.msgsPerSec).toLocaleString('en')} | ${r.cpu.toFixed(0)} | ${(r.p50 / raw.p50).toFixed(2)}× | ${(r.msgsPerSec / raw.msgsPerSec).toFixed(2)}× | ${r.note} |`,
    );
  }
  const udp = rows[1]!;
  console.log(
    `${sameSetup.name}: p50 ${sameSetup.p50.toFixed(1)} µs, p99 ${sameSetup.p99.toFixed(0)} µs (default raw p50 ${raw.p50.toFixed(1)} µs); RUDP p50 / this baseline: ${(udp.p50 / sameSetup.p50).toFixed(2)}×`,
  );
  console.log(
    `per-block medians (block b of a path over block b of the baseline, median and quartiles of ${BLOCKS}): ` +
      `RUDP / raw ${blockRatio(tightSamples[1]!, tightSamples[0]!)}; RUDP / same-setup raw ${blockRatio(tightSamples[1]!, tightSamples[3]!)}; WebSocket / raw ${blockRatio(tightSamples[2]!, tightSamples[0]!)}`,
  );
  console.log(`\npaced ${PACE_MS} ms between round trips (${PACED_BLOCKS} × ${PACED_BLOCK_RTTS} per path, alternating):`);
  console.log('| path | RTT p50 µs | RTT p99 µs | p50 / paced raw |');
  console.log('|---|---:|---:|---:|');
  for (const r of pacedRows) console.log(`| ${r.name} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${(r.p50 / pacedRows[0]!.p50).toFixed(2)}× |`);
  if (aeadLine) console.log(aeadLine);
  const paired = blockRatios(tightSamples[1]!, tightSamples[0]!).median;
  console.log(
    `goals (RUDP): p50 ≤ 1.5× raw: ${udp.p50 <= 1.5 * raw.p50 ? 'met' : 'NOT met'} (pooled), ${paired <= 1.5 ? 'met' : 'NOT met'} (per-block median); ` +
      `p99 < 1 ms: ${udp.p99 < 1000 ? 'met' : 'NOT met'}; msgs/s ≥ 0.5× raw: ${udp.msgsPerSec >= 0.5 * raw.msgsPerSec ? 'met' : 'NOT met'}`,
  );
  process.exit(0);
}

void main();
