// Rooms benchmark: relay routing latency and fan-out against raw dgram baselines measured in the
// same run, and authoritative tick loops at 60 Hz. Figures and ratios are printed, never asserted.
// Run: `npm run bench:rooms`. The server runs in a child process (this file with --server) so its
// CPU time is its own; clients run here.
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { SystemClock } from '@kaosnet/common';
import { KaosClient, type KaosSocket } from '@kaosnet/client';
import { DeliveryClass, defaultTransportOptions, KaosTalkDispatcher, SessionRegistry, type KaosTalkGateway } from '@kaosnet/transport';
import { DEFAULT_ROOMS_OPTIONS, MatchRegistry, RoomsService, TickScheduler, type MatchContext, type MatchMessage } from '@kaosnet/rooms';

const SERVER_FLAG = '--server';
const quick = process.argv.includes('--quick');

// ---------------------------------------------------------------- child: server + raw baselines
async function serverMain(): Promise<void> {
  const { startTestServer } = await import('../test/support/test-server.js');
  const s = await startTestServer({
    config: {
      logLevel: 'error',
      transport: { messageRate: { perSec: 1e7, burst: 1e7, bytesPerSec: 1e10 }, controlRate: { perSec: 1e4, burst: 1e4 } },
    } as never,
  });
  // Raw baselines across the same process boundary: an echo socket and a forwarder A → B.
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
  process.send!({ clientUrl: s.clientUrl, echoPort: echo.address().port, fwdPort: fwd.address().port });
  process.on('message', async (msg) => {
    if (msg === 'stop') {
      echo.close();
      fwd.close();
      await s.close();
      process.exit(0);
    }
  });
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
async function connect(url: string, transport: 'udp' | 'ws'): Promise<KaosSocket> {
  const client = new KaosClient({ baseUrl: url, serverKey: 'test-server-key' });
  const auth = await client.authenticateDevice(`bench-${process.pid}-${++deviceSeq}-${Date.now()}`);
  return client.connect(auth, { transport });
}

/** Sequential one-way latency A → (hop) → B, timestamp inside the payload; same process clock. */
async function oneWay(send: (t: Buffer) => void, onRecv: (cb: (data: Buffer) => void) => void, samples: number, warmup: number, gapMs = 0): Promise<number[]> {
  const out: number[] = [];
  let resolveNext: (() => void) | undefined;
  onRecv((data) => {
    const t = data.readDoubleLE(0);
    out.push(performance.now() - t);
    resolveNext?.();
  });
  const payload = Buffer.alloc(32);
  for (let i = 0; i < samples + warmup; i++) {
    const got = new Promise<void>((r) => (resolveNext = r));
    payload.writeDoubleLE(performance.now(), 0);
    send(payload);
    await Promise.race([got, new Promise((r) => setTimeout(r, 200))]);
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  return out.slice(warmup);
}

async function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

// ---------------------------------------------------------------- part 1: latency
async function latency(info: { clientUrl: string; echoPort: number; fwdPort: number }): Promise<void> {
  const N = quick ? 500 : 3000;
  const W = 300;
  // raw echo RTT
  const echoSock = await udpSocket();
  const rtt = await oneWay((p) => echoSock.send(p, info.echoPort, '127.0.0.1'), (cb) => echoSock.on('message', cb), N, W);
  echoSock.close();
  // raw forward A → child → B
  const a = await udpSocket();
  const b = await udpSocket();
  b.send(Buffer.from([0xbb]), info.fwdPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  const raw = await oneWay((p) => a.send(p, info.fwdPort, '127.0.0.1'), (cb) => b.on('message', cb), N, W);
  a.close();
  b.close();
  console.log(`\nRelay routing latency, one message in flight, ${N} samples (32-B data)`);
  console.log(`${'path'.padEnd(44)}      p50       p99     p99/raw`);
  console.log(`${'raw dgram echo RTT (A → child → A)'.padEnd(44)} ${us(pct(rtt, 50))}  ${us(pct(rtt, 99))}`);
  console.log(`${'raw dgram forward A → child → B (baseline)'.padEnd(44)} ${us(pct(raw, 50))}  ${us(pct(raw, 99))}     1.00×   (${raw.filter((x) => x > 10).length} of ${raw.length} over 10 ms)`);
  for (const transport of ['udp', 'ws'] as const) {
    const [sa, sb] = [await connect(info.clientUrl, transport), await connect(info.clientUrl, transport)];
    const room = await sa.createRoom({ label: 'bench-latency' });
    const bRef = (await sb.joinRoom(room['roomId'] as string))['ref'] as number;
    const got = await oneWay(
      (p) => sa.sendRoomData(room['ref'] as number, 1, p, { delivery: DeliveryClass.RO }),
      (cb) => sb.on('roomData', (e) => e.ref === bRef && cb(e.data)),
      N,
      W,
    );
    console.log(
      `${`KaosNet relay A → server → B (${transport}, RO)`.padEnd(44)} ${us(pct(got, 50))}  ${us(pct(got, 99))}     ${(pct(got, 99) / pct(raw, 99)).toFixed(2)}×   (p50 ${(pct(got, 50) / pct(raw, 50)).toFixed(2)}×; ${got.filter((x) => x > 10).length} of ${got.length} over 10 ms, ${N - got.length} lost/late > 200 ms)`,
    );
    if (transport === 'udp') {
      // One message per packet back to back is ~3,000 packets/s from A, ten times the §7.2 inbound
      // limit (300 packets/s per connection, fixed 1-s window): the excess is dropped before
      // decryption and A recovers by PTO with backoff, which is the > 200 ms tail. Show it.
      const st = (x: KaosSocket) => (x.transport as unknown as { stats(): Record<string, number> | undefined }).stats();
      const a = st(sa);
      const bs = st(sb);
      console.log(
        `${''.padEnd(44)} A: ${a?.['packetsSent']} pkts sent, ${a?.['packetsLost']} lost, ${a?.['ptoCount'] ?? 0} PTOs fired, ${a?.['retransmittedBytes']} B retransmitted; B dropped ${bs?.['droppedRate']} over its own inbound limit`,
      );
      // The same route paced under the inbound limit (4 ms between messages), against raw paced alike.
      const P = Math.round(N / 3);
      const a2 = await udpSocket();
      const b2 = await udpSocket();
      b2.send(Buffer.from([0xbb]), info.fwdPort, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 50));
      const rawPaced = await oneWay((p) => a2.send(p, info.fwdPort, '127.0.0.1'), (cb) => b2.on('message', cb), P, 50, 4);
      a2.close();
      b2.close();
      // Fresh connections: a full unpaced run keeps A over the limit for > rateLimitCloseMs (10 s),
      // after which the server closes it RATE_LIMITED (§7.2).
      const [pa, pb] = [await connect(info.clientUrl, 'udp'), await connect(info.clientUrl, 'udp')];
      const pRoom = await pa.createRoom({ label: 'bench-latency-paced' });
      const pbRef = (await pb.joinRoom(pRoom['roomId'] as string))['ref'] as number;
      const paced = await oneWay(
        (p) => pa.sendRoomData(pRoom['ref'] as number, 1, p, { delivery: DeliveryClass.RO }),
        (cb) => pb.on('roomData', (e) => e.ref === pbRef && cb(e.data)),
        P,
        50,
        4,
      );
      pa.close();
      pb.close();
      console.log(`${''.padEnd(44)} A (unpaced run) state at the end: ${(sa.transport as unknown as { state?: string }).state ?? 'closed'}`);
      console.log(`${'raw dgram forward, paced 4 ms'.padEnd(44)} ${us(pct(rawPaced, 50))}  ${us(pct(rawPaced, 99))}     1.00×`);
      console.log(
        `${'KaosNet relay (udp, RO), paced 4 ms'.padEnd(44)} ${us(pct(paced, 50))}  ${us(pct(paced, 99))}     ${(pct(paced, 99) / pct(rawPaced, 99)).toFixed(2)}×   (p50 ${(pct(paced, 50) / pct(rawPaced, 50)).toFixed(2)}×; ${paced.filter((x) => x > 10).length} of ${paced.length} over 10 ms, ${P - paced.length} lost/late > 200 ms)`,
      );
    }
    sa.close();
    sb.close();
  }
}

// ---------------------------------------------------------------- part 2: fan-out throughput
async function fanOut(info: { clientUrl: string }, serverPid: number): Promise<void> {
  const ROOMS = 4;
  const RECEIVERS = 7;
  const SECONDS = quick ? 2 : 4;
  const PER_TICK = 4; // messages per sender per 1-ms timer turn
  console.log(`\nRelay fan-out over UDP: ${ROOMS} rooms × (1 sender → ${RECEIVERS} receivers), 64-B data, class U, ${SECONDS} s`);
  const senders: { s: KaosSocket; ref: number }[] = [];
  let delivered = 0;
  const all: KaosSocket[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const s = await connect(info.clientUrl, 'udp');
    all.push(s);
    const room = await s.createRoom({ label: `bench-fan-${r}`, maxPlayers: RECEIVERS + 1 });
    senders.push({ s, ref: room['ref'] as number });
    for (let i = 0; i < RECEIVERS; i++) {
      const rx = await connect(info.clientUrl, 'udp');
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
  const rx = all.map((x) => (x.transport as unknown as { stats(): Record<string, number> | undefined }).stats());
  console.log(
    `receivers' RUDP counters: ${rx.reduce((n, st) => n + (st?.['droppedRate'] ?? 0), 0)} packets dropped over the 300 packets/s inbound limit, ${rx.reduce((n, st) => n + (st?.['packetsReceived'] ?? 0), 0)} received`,
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
  console.log(`rooms are created evenly over one second (as real rooms are), so their tick phases spread`);
  console.log(`${'scheduler'.padEnd(15)} ${'rooms'.padStart(6)} ${'ticks/s'.padStart(9)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'late>2ms'.padStart(9)} ${'skipped'.padStart(8)} ${'CPU'.padStart(7)}`);
  const clock = new SystemClock();
  const schedulers: [string, () => SchedulerLike][] = [
    ['TickScheduler', () => new TickScheduler(clock)],
    ['asyncScheduler', () => asyncScheduler],
  ];
  for (const [name, make] of schedulers) {
    for (const n of quick ? [500, 2000] : [500, 1000, 2000]) {
      const transportOptions = defaultTransportOptions({ tokenKeys: { current: { id: 1, key: Buffer.alloc(32) } } });
      const registry = new SessionRegistry(transportOptions, clock);
      const dispatcher = new KaosTalkDispatcher(registry, transportOptions, clock, () => undefined);
      const matches = new MatchRegistry();
      matches.registerInstance('light', lightLoop);
      const sut = new RoomsService({ registry, dispatcher } as unknown as KaosTalkGateway, matches, clock, { ...DEFAULT_ROOMS_OPTIONS, latenessWindow: 1_000_000 }, make());
      sut.onModuleInit();
      const perMs = Math.max(1, Math.ceil(n / 1000));
      for (let i = 0; i < n; i += perMs) {
        for (let j = i; j < Math.min(n, i + perMs); j++) await sut.createMatch('light');
        await new Promise((r) => setTimeout(r, 1));
      }
      await new Promise((r) => setTimeout(r, 500)); // warm up
      sut.stats.resetLateness();
      const sum = (f: (t: { ticks: number; late: number; skipped: number }) => number) => [...sut.all()].reduce((a, r) => a + f(r.match!.tickStats), 0);
      const [ticks0, late0, skip0] = [sum((t) => t.ticks), sum((t) => t.late), sum((t) => t.skipped)];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, quick ? 1500 : 3000));
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const [ticks, late, skipped] = [sum((t) => t.ticks) - ticks0, sum((t) => t.late) - late0, sum((t) => t.skipped) - skip0];
      const [p50, p99, max] = sut.stats.latenessPercentiles([50, 99, 100]) as number[];
      const cpuPct = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
      console.log(
        `${name.padEnd(15)} ${String(n).padStart(6)} ${String(Math.round(ticks / wall)).padStart(9)} ${`${p50!.toFixed(2)} ms`.padStart(9)} ${`${p99!.toFixed(2)} ms`.padStart(9)} ${`${max!.toFixed(1)} ms`.padStart(9)} ${`${((late / Math.max(1, ticks)) * 100).toFixed(1)} %`.padStart(9)} ${String(skipped).padStart(8)} ${`${cpuPct.toFixed(0)} %`.padStart(7)}`,
      );
      sut.onModuleDestroy();
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], { execArgv: ['--import', './scripts/ts-register.mjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [info] = (await once(child, 'message')) as [{ clientUrl: string; echoPort: number; fwdPort: number }];
  try {
    await latency(info);
    await fanOut(info, child.pid!);
  } finally {
    child.send('stop');
    const exited = once(child, 'exit');
    const killAfter = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killAfter);
  }
  await authoritative();
  console.log(`\nload average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on this machine colours every figure)`);
}

if (process.argv.includes(SERVER_FLAG)) await serverMain();
else if (process.argv.includes('--ticks-only')) await authoritative();
else await main();
