// Storage benchmark: 100,000 objects per database; write throughput, equality and range query
// latency on indexed paths, list pagination, each next to a baseline measured in the same run
// (a plain primary-key SELECT on the same table). Figures are printed, never asserted.
// Run: `npm run bench:storage` (BENCH_STORAGE_N=20000 for a quicker pass).
import { performance } from 'node:perf_hooks';
import { SYSTEM_CALLER } from '@kaosnet/common';
import { testDialects, type Dialect } from '@kaosnet/database';
import { openStorage, seededRandom } from '../libs/storage/src/testing/storage-test-kit.js';

const N = Number(process.env.BENCH_STORAGE_N ?? 100_000);
const USERS = 1000;
const SAMPLES = 300;
const CLASSES = ['mage', 'rogue', 'warrior', 'cleric', 'ranger'];

interface Row {
  dialect: Dialect;
  what: string;
  p50: number;
  p99: number;
  ratio: number;
  note: string;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function sample(fn: (i: number) => Promise<unknown>, n = SAMPLES): Promise<{ p50: number; p99: number; results: unknown[] }> {
  const times: number[] = [];
  const results: unknown[] = [];
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm-up
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    results.push(await fn(i));
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), results };
}

async function run(dialect: Dialect): Promise<Row[]> {
  const { db, sut } = await openStorage(dialect, { maxPageSize: 100 });
  // SQLite answers JSON filters by scanning the collection: fewer samples keep the run short.
  const Q = dialect === 'sqlite' ? 25 : SAMPLES;
  const rnd = seededRandom(42);
  const rows: Row[] = [];
  try {
    // Writes: batches of 100 (the default maximum), last-write-wins, system caller.
    const t0 = performance.now();
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: Math.min(100, N - i) }, (_, j) => {
        const k = i + j;
        return {
          collection: 'items',
          key: `item-${String(k).padStart(7, '0')}`,
          userId: `user-${k % USERS}`,
          value: { level: k % 100, score: rnd(), class: CLASSES[k % CLASSES.length], name: `Item ${k}`, stats: { power: k % 1000 }, tags: ['loot', k % 2 ? 'rare' : 'common'] },
          permissionRead: 2,
        };
      });
      await sut.write(SYSTEM_CALLER, batch);
    }
    const writeMs = performance.now() - t0;
    // Fresh planner statistics after the bulk load (autovacuum would do the same a little later).
    await db.dataSource.query('ANALYZE');
    const perObjectUs = (writeMs * 1000) / N;

    const baseline = await sample((i) => db.dataSource.query(dialect === 'postgres' ? 'SELECT value FROM storage_objects WHERE id = $1' : 'SELECT value FROM storage_objects WHERE id = ?', [1 + ((i * 7919) % N)]));
    const push = (what: string, r: { p50: number; p99: number }, note = '') => rows.push({ dialect, what, p50: r.p50, p99: r.p99, ratio: r.p50 / baseline.p50, note });
    push('baseline: SELECT by primary key', baseline);
    rows.push({ dialect, what: 'write (batches of 100, per object)', p50: perObjectUs / 1000, p99: NaN, ratio: perObjectUs / 1000 / baseline.p50, note: `${Math.round(N / (writeMs / 1000)).toLocaleString('en')} objects/s` });

    push('read one object by id', await sample((i) => sut.read(SYSTEM_CALLER, [{ collection: 'items', userId: `user-${i % USERS}`, key: `item-${String(i % N).padStart(7, '0')}` }])));
    const eq = await sample((i) => sut.query(SYSTEM_CALLER, 'items', { filter: { 'stats.power': (i * 37) % 1000 }, limit: 20 }), Q);
    push('query equality stats.power = v (~N/1000 hits, limit 20)', eq, `${(eq.results[0] as { objects: unknown[] }).objects.length} rows`);
    const eq2 = await sample((i) => sut.query(SYSTEM_CALLER, 'items', { filter: { class: CLASSES[i % 5], level: i % 100 }, limit: 20 }), Q);
    push('query equality class = s AND level = n', eq2, `${(eq2.results[0] as { objects: unknown[] }).objects.length} rows`);
    const range = await sample((i) => {
      const lo = (i % 997) / 997;
      return sut.query(SYSTEM_CALLER, 'items', { filter: { score: { $gte: lo, $lt: lo + 0.0005 } }, limit: 20 });
    }, Q);
    push('query range score in [x, x+0.0005) (~N/2000 hits)', range, `${(range.results[0] as { objects: unknown[] }).objects.length} rows`);
    const sorted = await sample((i) => sut.query(SYSTEM_CALLER, 'items', { filter: { level: { $gte: 98 } }, sort: [{ path: 'score', direction: 'desc' }], limit: 20 }), Math.min(Q, 50));
    push('query range level >= 98 sorted by score desc (2% of N)', sorted, 'sorts every match');
    const unindexed = await sample(() => sut.query(SYSTEM_CALLER, 'items', { filter: { tags: { $ne: 'loot' } }, limit: 20 }), Math.min(Q, 20));
    push('query $ne (no index: scans the collection)', unindexed);

    // List pagination: walk pages of 100 through one owner's objects and the whole collection.
    const page = await sample(async (i) => {
      const r = await sut.list(SYSTEM_CALLER, 'items', { userId: `user-${i % USERS}`, limit: 100 });
      return r.objects.length;
    });
    push("list one owner's objects (100/page)", page);
    let cursor: string | undefined;
    const walk = await sample(async () => {
      const r = await sut.list(SYSTEM_CALLER, 'items', { limit: 100, cursor });
      cursor = r.cursor;
      return r.objects.length;
    }, 200);
    push('list collection, next page of 100 by cursor', walk);
  } finally {
    await db.close();
  }
  return rows;
}

const all: Row[] = [];
for (const d of testDialects()) {
  console.log(`${d}: writing ${N.toLocaleString('en')} objects…`);
  all.push(...(await run(d)));
}
const fmt = (x: number) => (Number.isNaN(x) ? '—' : x < 1 ? x.toFixed(3) : x.toFixed(2));
console.log(`\n| database | operation | p50 ms | p99 ms | p50 / baseline | note |\n|---|---|---:|---:|---:|---|`);
for (const r of all) console.log(`| ${r.dialect} | ${r.what} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.ratio.toFixed(1)}× | ${r.note} |`);
