// Lua scripting benchmark. Figures and ratios are printed, never asserted.
// Run: `npm run bench:scripting` (add `-- --quick` for a short run).
//  1. RPC round trip, Lua vs the same RPC in TypeScript: in-process dispatch (RpcRegistry.call)
//     and over KaosTalk/WebSocket on loopback (client in this process too).
//  2. 500 and 1,000 Lua matches at 30 Hz with a light match_loop: tick lateness p50/p99 and CPU.
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Injectable, Module } from '@nestjs/common';
import type { KaosConfig } from '@kaosnet/common';
import { RoomsService } from '@kaosnet/rooms';
import { KaosRpc, RpcRegistry, ScriptingRuntime, ScriptSet, type RpcContext } from '@kaosnet/scripting';
import { newPlayer } from '../test/support/kaos-test-client.js';
import { startTestServer } from '../test/support/test-server.js';

const quick = process.argv.includes('--quick');

const LUA = `
kaos.register_rpc("lua.echo", function(ctx, payload)
  return { item = payload.item_id, n = payload.n + 1, user = ctx.user_id }
end)

local M = {}
function M.match_init(ctx, params) return { state = { n = 0, x = 0 }, tick_rate = 30, label = "bench" } end
function M.match_loop(ctx, state, tick, messages)
  -- light: a little arithmetic per tick and the queued messages
  state.n = state.n + #messages
  state.x = (state.x + tick * 3) % 1000
  return state
end
return M
`;

@Injectable()
class BenchRpcs {
  @KaosRpc('ts.echo')
  echo(ctx: RpcContext, payload?: string): string {
    const p = JSON.parse(payload ?? '{}') as { item_id: string; n: number };
    return JSON.stringify({ item: p.item_id, n: p.n + 1, user: ctx.userId ?? null });
  }
}

@Module({ providers: [BenchRpcs] })
class BenchModule {}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const fmt = (n: number, d = 1) => n.toFixed(d);

async function main(): Promise<void> {
  const s = await startTestServer({
    config: { logLevel: 'error', scripting: { poolSize: 4 }, transport: { rpcRate: { perSec: 1e7, burst: 1e7 }, controlRate: { perSec: 1e7, burst: 1e7 }, messageRate: { perSec: 1e7, burst: 1e7, bytesPerSec: 1e10 } } } as unknown as Partial<KaosConfig>,
    modules: [BenchModule],
  });
  try {
    const app = s.server.app;
    const runtime = app.get(ScriptingRuntime);
    const reload = await runtime.reload(new ScriptSet([ScriptSet.file('bench.lua', LUA)]));
    if (!reload.ok) throw new Error(JSON.stringify(reload.error));
    const rpcs = app.get(RpcRegistry);
    const payload = JSON.stringify({ item_id: 'sword', n: 41 });

    // ---- 1a. in-process dispatch ---------------------------------------------------------
    console.log('\n-- RPC dispatch in process (RpcRegistry.call, user caller), sequential --');
    const ctx: RpcContext = { caller: { kind: 'user', userId: 'u1', origin: 'rest' }, userId: 'u1' };
    const dispatch = async (id: string, n: number) => {
      for (let i = 0; i < 500; i++) await rpcs.call(ctx, id, payload); // warm-up
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await rpcs.call(ctx, id, payload);
      return ((performance.now() - t0) * 1000) / n;
    };
    const n1 = quick ? 5_000 : 30_000;
    const tsUs = await dispatch('ts.echo', n1);
    const luaUs = await dispatch('lua.echo', n1);
    console.log(`TypeScript RPC : ${fmt(tsUs, 2)} µs/call`);
    console.log(`Lua RPC        : ${fmt(luaUs, 2)} µs/call   (${fmt(luaUs / tsUs, 1)}× TypeScript)`);

    // ---- 1b. KaosTalk over UDP --------------------------------------------------------------
    console.log('\n-- RPC round trip over KaosTalk/WebSocket on loopback (client in-process), sequential --');
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'ws' });
    const roundTrips = async (id: string, n: number) => {
      for (let i = 0; i < 200; i++) await socket.rpc(id, payload);
      const samples: number[] = [];
      let timeouts = 0;
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        try {
          await socket.rpc(id, payload, { timeoutMs: 2000 });
          samples.push((performance.now() - t) * 1000);
        } catch {
          timeouts++; // reported, not hidden: a lost request is a transport finding
        }
      }
      if (timeouts) console.log(`  (${id}: ${timeouts} of ${n} requests timed out after 2 s and are excluded)`);
      return samples.sort((a, b) => a - b);
    };
    const n2 = quick ? 1_000 : 5_000;
    const tsRt = await roundTrips('ts.echo', n2);
    const luaRt = await roundTrips('lua.echo', n2);
    console.log(`TypeScript RPC : p50 ${fmt(pct(tsRt, 50))} µs, p99 ${fmt(pct(tsRt, 99))} µs`);
    console.log(`Lua RPC        : p50 ${fmt(pct(luaRt, 50))} µs, p99 ${fmt(pct(luaRt, 99))} µs   (p50 ${fmt(pct(luaRt, 50) / pct(tsRt, 50), 2)}× TypeScript)`);
    socket.close();

    // ---- 2. many Lua matches ---------------------------------------------------------------
    const rooms = app.get(RoomsService);
    const seconds = quick ? 3 : 8;
    console.log(`\n-- Lua matches at 30 Hz, light match_loop, ${seconds} s each (one VM per match) --`);
    console.log('matches | ticks/s  | lateness p50 | lateness p99 | CPU (of one core) | heap+buffers MB | create ms/match');
    let created = 0;
    const live: string[] = [];
    for (const target of [500, 1000]) {
      const mem0 = process.memoryUsage();
      const tc = performance.now();
      for (; created < target; created++) live.push((await rooms.createMatch('bench', {})).id);
      const createMs = (performance.now() - tc) / (target - (target === 500 ? 0 : 500));
      await new Promise((r) => setTimeout(r, 1000)); // settle
      rooms.stats.resetLateness();
      const p50s: number[] = [];
      const p99s: number[] = [];
      const ticks0 = [...rooms.all()].reduce((a, r) => a + (r.match?.tick ?? 0), 0);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await new Promise((r) => setTimeout(r, 200)); // the stats window holds 8,192 samples
        const [p50, p99] = rooms.stats.latenessPercentiles([50, 99]);
        if (p50 !== null && p99 !== null) {
          p50s.push(p50);
          p99s.push(p99);
        }
        rooms.stats.resetLateness();
      }
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const ticks = [...rooms.all()].reduce((a, r) => a + (r.match?.tick ?? 0), 0) - ticks0;
      const mem = process.memoryUsage();
      p50s.sort((a, b) => a - b);
      p99s.sort((a, b) => a - b);
      const cpuPct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
      console.log(
        `${String(target).padStart(7)} | ${fmt(ticks / (wall / 1000), 0).padStart(8)} | ${fmt(pct(p50s, 50), 2).padStart(9)} ms | ${fmt(pct(p99s, 50), 2).padStart(9)} ms | ${fmt(cpuPct, 0).padStart(15)} % | ${fmt((mem.heapUsed + mem.arrayBuffers - mem0.heapUsed - mem0.arrayBuffers) / 1e6 + (target === 500 ? 0 : 0), 0).padStart(15)} | ${fmt(createMs, 2)}`,
      );
      console.log(`        (ideal ${target * 30} ticks/s; p99 column = median of per-200 ms-window p99s, worst window p99 ${fmt(p99s[p99s.length - 1] ?? NaN, 2)} ms)`);
    }
    for (const id of live) rooms.terminateRoom(id, 0);
  } finally {
    await s.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
