// Rooms benchmark: relay routing latency and fan-out against raw dgram baselines measured in the
// same run, and authoritative tick loops at 60 Hz. Figures and ratios are printed, never asserted.
// Run: `npm run bench:rooms`. The server runs in a child process (this file with --server) so its
// CPU time is its own; clients run here.
//
// The back-to-back relay run and the fan-out lift the per-connection abuse limits of §7.2 (300
// inbound packets/s, 256 KiB/s send) on both ends: the child's `config.transport.rudp` and the
// clients' `udpLimits`. A back-to-back run sends ~3,000 packets/s per connection, over those limits
// by design, and the limit's drops and PTO recovery would then be measured instead of routing; the
// goal measures the routing cost. The paced run keeps the clients' default limits (it stays under
// them). Paths alternate in blocks, so drift in the machine's load hits all of them alike.
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { SystemClock } from '@kaosnet/common';
import { KaosClient, type KaosSocket } from '@kaosnet/client';
import { DeliveryClass, defaultTransportOptions, KaosTalkDispatcher, SessionRegistry, type KaosTalkGateway } from '@kaosnet/transport';
import { DEFAULT_ROOMS_OPTIONS, MatchRegistry, RoomsService, TickScheduler, type MatchContext, type MatchMessage } from '@kaosnet/rooms';
import { preemptionProbe } from './support/machine-probe.js';

const SERVER_FLAG = '--server';
/** Lifts the §7.2 per-connection caps (see the header). */
const UNCAPPED = { maxInboundPacketsPerSec: 1e9, maxSendRate: 1e12, pacerBurst: 1e12 };
const quick = process.argv.includes('--quick');
/** `--relay-only` / `--ticks-only`: one part alone, for investigating it. */
const relayOnly = process.argv.includes('--relay-only');

// ---------------------------------------------------------------- child: server + raw baselines
/** The server under test plus the raw baselines (an echo socket and a forwarder A → B) in this process. */
async function startBenchServer() {
  const { startTestServer } = await import('../test/support/test-server.js');
  const s = await startTestServer({
    config: {
      logLevel: 'error',
      transport: { messageRate: { perSec: 1e7, burst: 1e7, bytesPerSec: 1e10 }, controlRate: { perSec: 1e4, burst: 1e4 }, rudp: UNCAPPED },
    } as never,
  });
  const echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const fwd = createSocket('udp4');
  let b: RemoteInfo | undefined;
  fwd.on('message', (m, r) => {
    if (m.length === 1 && m[0] === 0xbb) b = r;
    else if (b) fwd.send(m, b.port, b.address);
  });
  await new Promise<void>((r) => fwd.bind(0, '127.0.0.1', r));
  return {
    info: { clientUrl: s.clientUrl, echoPort: echo.address().port, fwdPort: fwd.address().port },
    close: async () => {
      echo.close();
      fwd.close();
      await s.close();
    },
  };
}

async function serverMain(): Promise<void> {
  const bench = await startBenchServer();
  process.send!(bench.info);
  process.on('message', async (msg) => {
    if (msg === 'stop') {
      await bench.close();
      process.exit(0);
    }
  });
}

/**
 * The relay probes again with A, the server and B on one event loop, as bench/transport-echo
 * measures the echo: no process-to-process wake-ups, so what is left is the path's own cost plus
 * this machine's stalls.
 */
async function inProcessMain(): Promise<void> {
  const bench = await startBenchServer();
  try {
    await latency(bench.info, process.pid, 'in one process (clients and server share an event loop)');
  } finally {
    await bench.close();
  }
}

// ---------------------------------------------------------------- helpers
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(5)} µs`;

/** utime + stime of a process in seconds (Linux /proc). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let deviceSeq = 0;
async function connect(url: string, transport: 'udp' | 'ws', udpLimits?: typeof UNCAPPED): Promise<KaosSocket> {
  const client = new KaosClient({ baseUrl: url, serverKey: 'test-server-key' });
  const auth = await client.authenticateDevice(`bench-${process.pid}-${++deviceSeq}-${Date.now()}`);
  return client.connect(auth, { transport, udpLimits });
}

async function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

// ---------------------------------------------------------------- part 1: latency
/** One path under test: `shot()` sends one timestamped message and resolves with its one-way (or round-trip) ms, undefined if not back within 200 ms. */
interface Probe {
  name: string;
  shot(): Promise<number | undefined>;
  close(): void;
}

/** A probe over any send/receive pair; the timestamp travels inside the 32-B payload (same process clock at both ends). */
function probe(name: string, send: (p: Buffer) => void, onRecv: (cb: (data: Buffer) => void) => void, close: () => void): Probe {
  let resolveNext: ((ms: number) => void) | undefined;
  onRecv((data) => resolveNext?.(performance.now() - data.readDoubleLE(0)));
  const payload = Buffer.alloc(32);
  return {
    name,
    close,
    shot: () =>
      new Promise<number | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), 200);
        resolveNext = (ms) => {
          clearTimeout(t);
          resolveNext = undefined;
          resolve(ms);
        };
        payload.writeDoubleLE(performance.now(), 0);
        send(payload);
      }),
  };
}

async function rawForwardProbe(name: string, fwdPort: number): Promise<Probe> {
  const [a, b] = [await udpSocket(), await udpSocket()];
  b.send(Buffer.from([0xbb]), fwdPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  return probe(name, (p) => a.send(p, fwdPort, '127.0.0.1'), (cb) => b.on('message', cb), () => (a.close(), b.close()));
}

async function relayProbe(name: string, url: string, transport: 'udp' | 'ws', limits?: typeof UNCAPPED): Promise<Probe & { a: KaosSocket; b: KaosSocket }> {
  const [a, b] = [await connect(url, transport, limits), await connect(url, transport, limits)];
  const room = await a.createRoom({ label: `bench-latency-${transport}` });
  const bRef = (await b.joinRoom(room['roomId'] as string))['ref'] as number;
  const p = probe(
    name,
    (data) => a.sendRoomData(room['ref'] as number, 1, data, { delivery: DeliveryClass.RO }),
    (cb) => b.on('roomData', (e) => e.ref === bRef && cb(e.data)),
    () => (a.close(), b.close()),
  );
  return { ...p, a, b };
}

/** Runs the probes alternately in blocks (after a warm-up), so drift in the machine's load hits every path alike. */
async function interleaved(probes: Probe[], blocks: number, perBlock: number, warmup: number, gapMs = 0): Promise<{ got: number[]; lost: number }[]> {
  const out = probes.map(() => ({ got: [] as number[], lost: 0 }));
  for (const p of probes) for (let i = 0; i < warmup; i++) await p.shot();
  for (let b = 0; b < blocks; b++) {
    for (const [k, p] of probes.entries()) {
      for (let i = 0; i < perBlock; i++) {
        const ms = await p.shot();
        if (ms === undefined) out[k]!.lost++;
        else out[k]!.got.push(ms);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    }
  }
  return out;
}

const rudpStats = (x: KaosSocket) => (x.transport as unknown as { stats(): Record<string, number> | undefined }).stats();

/** ms this process spent runnable but waiting for a CPU (Linux schedstat): the other load's share. */
const runQueueMsOf = (pid: number | 'self') => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;

async function latency(info: { clientUrl: string; echoPort: number; fwdPort: number }, serverPid: number, where = 'server in a child process'): Promise<void> {
  const [BLOCKS, PER_BLOCK, PACED_PER_BLOCK] = quick ? [5, 100, 30] : [10, 300, 100];
  const echoSock = await udpSocket();
  const probes = [
    probe('raw dgram echo RTT (A → echo socket → A)', (p) => echoSock.send(p, info.echoPort, '127.0.0.1'), (cb) => echoSock.on('message', cb), () => echoSock.close()),
    await rawForwardProbe('raw dgram forward A → forwarder → B (baseline)', info.fwdPort),
    await relayProbe('KaosNet relay A → server → B (udp, RO)', info.clientUrl, 'udp', UNCAPPED),
    await relayProbe('KaosNet relay A → server → B (ws, RO)', info.clientUrl, 'ws'),
  ];
  const machine = preemptionProbe();
  const [rqC, rqS, t0] = [runQueueMsOf('self'), runQueueMsOf(serverPid), performance.now()];
  // Warm-up long enough for the JIT to finish with the relay path: after 300 round trips its
  // background compilation still competed with the loop for the two CPUs (process CPU 1.4× wall
  // time) and the relay had ~30 of 3,000 over 1 ms; after 5,000, 1–2 (one-process probe).
  const res = await interleaved(probes, BLOCKS, PER_BLOCK, quick ? 1_000 : 5_000);
  const wallMs = performance.now() - t0;
  const rqText = `run-queue wait (runnable, no CPU free) over the run: client ${(((runQueueMsOf('self') - rqC) / wallMs) * 100).toFixed(1)} %, server ${(((runQueueMsOf(serverPid) - rqS) / wallMs) * 100).toFixed(1)} % of ${(wallMs / 1000).toFixed(1)} s`;
  const raw = res[1]!.got;
  console.log(`\nRelay routing latency, ${where}, one message in flight, back to back, ${BLOCKS} blocks × ${PER_BLOCK} per path, paths alternating (32-B data)`);
  console.log(`§7.2 per-connection limits lifted on both ends for the udp relay (server config.transport.rudp, client udpLimits)`);
  console.log(machine.text);
  console.log(`${'path'.padEnd(44)}      p50       p99       max   p99/raw`);
  for (const [k, p] of probes.entries()) {
    const { got, lost } = res[k]!;
    const ratio = k >= 2 ? `${(pct(got, 99) / pct(raw, 99)).toFixed(2)}×   (p50 ${(pct(got, 50) / pct(raw, 50)).toFixed(2)}×)` : k === 1 ? '1.00×' : '';
    console.log(`${p.name.padEnd(44)} ${us(pct(got, 50))}  ${us(pct(got, 99))}  ${us(pct(got, 100))}   ${ratio}  ${got.filter((x) => x > 1).length} over 1 ms, ${got.filter((x) => x > 10).length} over 10 ms, ${lost} lost/late > 200 ms`);
  }
  const udp = probes[2] as Awaited<ReturnType<typeof relayProbe>>;
  const [sa, sb] = [rudpStats(udp.a), rudpStats(udp.b)];
  console.log(`${''.padEnd(44)} udp A: ${sa?.['packetsSent']} pkts sent, ${sa?.['packetsLost']} lost, ${sa?.['ptoCount'] ?? 0} PTOs, ${sa?.['retransmittedBytes']} B retransmitted; B: ${sb?.['droppedRate']} dropped over its inbound limit`);
  console.log(`${''.padEnd(44)} ${rqText}`);
  for (const p of probes) p.close();

  // Paced 4 ms apart, a game-like cadence under the default client limits (250 packets/s < 300):
  // an idle gap costs a cold wake-up on every path, so these are rows of their own.
  const paced = [
    await rawForwardProbe('raw dgram forward, paced 4 ms', info.fwdPort),
    await relayProbe('KaosNet relay (udp, RO), paced 4 ms', info.clientUrl, 'udp'),
    await relayProbe('KaosNet relay (ws, RO), paced 4 ms', info.clientUrl, 'ws'),
  ];
  const pres = await interleaved(paced, BLOCKS, PACED_PER_BLOCK, 50, 4);
  const praw = pres[0]!.got;
  for (const [k, p] of paced.entries()) {
    const { got, lost } = pres[k]!;
    const ratio = k > 0 ? `${(pct(got, 99) / pct(praw, 99)).toFixed(2)}×   (p50 ${(pct(got, 50) / pct(praw, 50)).toFixed(2)}×)` : '1.00×';
    console.log(`${p.name.padEnd(44)} ${us(pct(got, 50))}  ${us(pct(got, 99))}  ${us(pct(got, 100))}   ${ratio}  ${got.filter((x) => x > 1).length} over 1 ms, ${lost} lost/late > 200 ms`);
  }
  for (const p of paced) p.close();
}

// ---------------------------------------------------------------- part 2: fan-out throughput
async function fanOut(info: { clientUrl: string }, serverPid: number): Promise<void> {
  const ROOMS = 4;
  const RECEIVERS = 7;
  const SECONDS = quick ? 2 : 4;
  const PER_TICK = 4; // messages per sender per 1-ms timer turn
  console.log(`\nRelay fan-out over UDP: ${ROOMS} rooms × (1 sender → ${RECEIVERS} receivers), 64-B data, class U, ${SECONDS} s, §7.2 caps lifted on both ends`);
  const senders: { s: KaosSocket; ref: number }[] = [];
  let delivered = 0;
  const all: KaosSocket[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const s = await connect(info.clientUrl, 'udp', UNCAPPED);
    all.push(s);
    const room = await s.createRoom({ label: `bench-fan-${r}`, maxPlayers: RECEIVERS + 1 });
    senders.push({ s, ref: room['ref'] as number });
    for (let i = 0; i < RECEIVERS; i++) {
      const rx = await connect(info.clientUrl, 'udp', UNCAPPED);
      all.push(rx);
      await rx.joinRoom(room['roomId'] as string);
      rx.on('roomData', () => delivered++);
    }
  }
  const data = Buffer.alloc(64, 7);
  let running = true;
  let sent = 0;
  const pump = () => {
    if (!running) return;
    for (const { s, ref } of senders) for (let i = 0; i < PER_TICK; i++) s.sendRoomData(ref, 2, data, { delivery: DeliveryClass.U });
    sent += senders.length * PER_TICK;
    setTimeout(pump, 1);
  };
  await new Promise((r) => setTimeout(r, 200));
  const cpu0 = cpuSecondsOf(serverPid);
  const d0 = delivered;
  const t0 = performance.now();
  pump();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  const wall = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  const cpu = cpuSecondsOf(serverPid) - cpu0;
  const got = delivered - d0;
  console.log(`sent ${sent} → delivered ${got} (${((got / (sent * RECEIVERS)) * 100).toFixed(1)} % of fan-out; class U sheds under pressure)`);
  console.log(`delivered ${Math.round(got / wall)} msg/s; server CPU ${cpu.toFixed(2)} s over ${wall.toFixed(1)} s (${((cpu / wall) * 100).toFixed(0)} % of a core)`);
  const rx = all.map(rudpStats);
  console.log(
    `receivers' RUDP counters: ${rx.reduce((n, st) => n + (st?.['droppedRate'] ?? 0), 0)} packets dropped over their inbound limit, ${rx.reduce((n, st) => n + (st?.['packetsReceived'] ?? 0), 0)} received`,
  );
  console.log(`relay fan-out: ${Math.round(got / cpu)} messages delivered per server CPU-second (${((cpu / got) * 1e6).toFixed(2)} µs CPU per delivered message incl. RUDP + AEAD)`);
  for (const s of all) s.close();
}

// ---------------------------------------------------------------- part 3: authoritative rooms at 60 Hz
interface Light {
  e: Float64Array;
}
const lightLoop = {
  init: () => ({ state: { e: new Float64Array(16) } as Light, tickRate: 60 }),
  loop: (_c: MatchContext, s: Light, tick: number, messages: readonly MatchMessage[]) => {
    // A light TypeScript loop: integrate 4 entities, read inputs.
    const e = s.e;
    for (let i = 0; i < 16; i += 4) {
      e[i + 2] = Math.sin(tick * 0.01 + i);
      e[i + 3] = Math.cos(tick * 0.01 + i);
      e[i] += e[i + 2]! / 60;
      e[i + 1] += e[i + 3]! / 60;
    }
    for (const m of messages) e[0] += m.data.length;
    return s;
  },
};

async function authoritative(): Promise<void> {
  console.log(`\nAuthoritative rooms at 60 Hz, light TS loop (in-process, no members); lateness = tick start − due time`);
  console.log(`rooms are created evenly over one second (as real rooms are), so their tick phases spread; schedulers alternate per room count.`);
  console.log(`TickScheduler never starts a tick early (unit-tested), so its lateness is also |start − due|. GC = pauses in the window;`);
  console.log(`run-queue = share of the window this process was runnable but waiting for a CPU (/proc/self/schedstat: other load).`);
  console.log(preemptionProbe().text);
  console.log(
    `${'scheduler'.padEnd(21)} ${'rooms'.padStart(6)} ${'ticks/s'.padStart(9)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'late>2ms'.padStart(9)} ${'skipped'.padStart(8)} ${'CPU'.padStart(6)}  ${'GC pauses'.padEnd(22)} run-queue`,
  );
  const clock = new SystemClock();
  const schedulers: [string, () => SchedulerLike][] = [
    ['TickScheduler', () => new TickScheduler(clock)],
    ['TickScheduler spin .25', () => new TickScheduler(clock, { spinMs: 0.25 })],
    ['asyncScheduler', () => asyncScheduler],
  ];
  const gc: number[] = [];
  const gcObserver = new PerformanceObserver((l) => void gc.push(...l.getEntries().map((e) => e.duration)));
  gcObserver.observe({ entryTypes: ['gc'] });
  const runQueueMs = () => runQueueMsOf('self');
  for (const n of quick ? [10, 2000] : [10, 500, 2000]) {
    for (const [name, make] of schedulers) {
      const transportOptions = defaultTransportOptions({ tokenKeys: { current: { id: 1, key: Buffer.alloc(32) } } });
      const registry = new SessionRegistry(transportOptions, clock);
      const dispatcher = new KaosTalkDispatcher(registry, transportOptions, clock, () => undefined);
      const matches = new MatchRegistry();
      matches.registerInstance('light', lightLoop);
      const scheduler = make();
      const sut = new RoomsService({ registry, dispatcher } as unknown as KaosTalkGateway, matches, clock, { ...DEFAULT_ROOMS_OPTIONS, latenessWindow: 1_000_000 }, scheduler);
      sut.onModuleInit();
      const perMs = Math.max(1, Math.ceil(n / 1000));
      for (let i = 0; i < n; i += perMs) {
        for (let j = i; j < Math.min(n, i + perMs); j++) await sut.createMatch('light');
        await new Promise((r) => setTimeout(r, n <= 10 ? 100 : 1));
      }
      // Warm up: 2 s, not 0.5 s — the JIT recompiles the tick path for each scheduler type (they
      // alternate in this process), and its background work competes with the loop for the CPUs.
      await new Promise((r) => setTimeout(r, quick ? 500 : 2_000));
      // Collect the previous rows' and this setup's garbage (2,000 rooms created in one second) now,
      // not inside the window; the window's own GC pauses are printed.
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 100));
      sut.stats.resetLateness();
      const sum = (f: (t: { ticks: number; late: number; skipped: number }) => number) => [...sut.all()].reduce((a, r) => a + f(r.match!.tickStats), 0);
      const [ticks0, late0, skip0] = [sum((t) => t.ticks), sum((t) => t.late), sum((t) => t.skipped)];
      gc.length = 0;
      const rq0 = runQueueMs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, quick ? 1500 : 3000));
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const rq = (runQueueMs() - rq0) / 1000 / wall;
      const [ticks, late, skipped] = [sum((t) => t.ticks) - ticks0, sum((t) => t.late) - late0, sum((t) => t.skipped) - skip0];
      const [p50, p99, max] = sut.stats.latenessPercentiles([50, 99, 100]) as number[];
      const cpuPct = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
      const gcText = `${gc.length}, ${gc.reduce((a, b) => a + b, 0).toFixed(0)} ms, max ${Math.max(0, ...gc).toFixed(1)} ms`;
      console.log(
        `${name.padEnd(21)} ${String(n).padStart(6)} ${String(Math.round(ticks / wall)).padStart(9)} ${`${p50!.toFixed(2)} ms`.padStart(9)} ${`${p99!.toFixed(2)} ms`.padStart(9)} ${`${max!.toFixed(1)} ms`.padStart(9)} ${`${((late / Math.max(1, ticks)) * 100).toFixed(1)} %`.padStart(9)} ${String(skipped).padStart(8)} ${`${cpuPct.toFixed(1)} %`.padStart(6)}  ${gcText.padEnd(22)} ${(rq * 100).toFixed(1)} %`,
      );
      sut.onModuleDestroy();
      if (scheduler instanceof TickScheduler) scheduler.dispose();
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  gcObserver.disconnect();
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], { execArgv: ['--import', './scripts/ts-register.mjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [info] = (await once(child, 'message')) as [{ clientUrl: string; echoPort: number; fwdPort: number }];
  try {
    await latency(info, child.pid!);
    if (!relayOnly) await fanOut(info, child.pid!);
  } finally {
    child.send('stop');
    const exited = once(child, 'exit');
    const killAfter = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killAfter);
  }
  // The relay again in one process (a fresh one, like part 3).
  const inProcess = fork(fileURLToPath(import.meta.url), ['--in-process', ...(quick ? ['--quick'] : [])], { execArgv: ['--import', './scripts/ts-register.mjs'], stdio: 'inherit' });
  await once(inProcess, 'exit');
  // Part 3 in a fresh process of its own: the client sockets and garbage of parts 1–2 made this
  // heap's scavenges several ms long, which is the first part's cost, not the tick loop's.
  if (!relayOnly) {
    const ticks = fork(fileURLToPath(import.meta.url), ['--ticks-only', ...(quick ? ['--quick'] : [])], { execArgv: ['--expose-gc', '--import', './scripts/ts-register.mjs'], stdio: 'inherit' });
    await once(ticks, 'exit');
  }
  console.log(`\nload average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on this machine colours every figure)`);
}

if (process.argv.includes(SERVER_FLAG)) await serverMain();
else if (process.argv.includes('--ticks-only')) await authoritative();
else if (process.argv.includes('--in-process')) {
  await inProcessMain();
  process.exit(0);
}
else await main();
