// `npm run fuzz [-- --seeds 1,2,3] [--duration 60000]`: the live-server fuzz of
// test/e2e/transport-fuzz.e2e-spec.ts, run long. `--duration` is the wall time per seed (ms), split
// over its three phases (UDP garbage, authenticated malformed frames, WebSocket). Default: 3 random
// seeds × 60 s. The seeds are printed so a failure can be replayed exactly.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seeds = opt('seeds') ?? Array.from({ length: 3 }, () => randomInt(1, 2 ** 31)).join(',');
const duration = Number(opt('duration') ?? 60_000);
if (!/^\d+(,\d+)*$/.test(seeds) || !Number.isFinite(duration) || duration < 300) {
  console.error('usage: npm run fuzz -- [--seeds 1,2,3] [--duration ms]');
  process.exit(2);
}
console.log(`fuzz: seeds ${seeds}, ${duration} ms each`);
const r = spawnSync(
  process.execPath,
  [join(root, 'node_modules/jest/bin/jest.js'), '--runInBand', '--testTimeout', String(duration * 3 + 60_000), 'test/e2e/transport-fuzz.e2e-spec.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings --expose-gc', KAOS_FUZZ_SEEDS: seeds, KAOS_FUZZ_MS: String(duration) },
  },
);
process.exit(r.status ?? 1);
