import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs apps/server/src/main.ts as a real process (TypeScript through scripts/ts-register.mjs). */
function startProcess(env: Record<string, string>, cwd: string): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', join(process.cwd(), 'scripts/ts-register.mjs'), join(process.cwd(), 'apps/server/src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', KAOS_LOG_LEVEL: 'log', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server process', () => {
  it('refuses to start with invalid configuration and names the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-proc-'));
    try {
      const { child, output } = startProcess({ KAOS_TICK_RATE: 'fast' }, dir);
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(1);
      expect(output()).toContain('KaosNet cannot start: Invalid configuration KAOS_TICK_RATE: expected an integer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses default secrets in production', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-proc-'));
    try {
      const { child, output } = startProcess({ KAOS_ENV: 'production' }, dir);
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(1);
      expect(output()).toMatch(/Invalid configuration KAOS_SERVER_KEY: the default value is refused in production/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on SIGTERM finishes the request in flight, stops accepting, closes the database and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-proc-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    try {
      const { child, output } = startProcess({ KAOS_BIND: `127.0.0.1:${port}`, KAOS_CONSOLE_BIND: `127.0.0.1:${port + 1}` }, dir);
      await waitFor(() => output().includes('Client API on'), 20_000);
      // A request whose body is still arriving when the signal lands.
      const body = JSON.stringify({ deviceId: 'in-flight-device-0001' });
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/not-a-route', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
      });
      req.write(body.slice(0, 5));
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      await waitFor(() => output().includes('SIGTERM received'), 5_000);
      req.end(body.slice(5));
      const res = await response;
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toEqual({ code: 'NOT_FOUND', message: 'Not found' });
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(output()).toContain('Stopped');
      // Nothing listens any more.
      await expect(fetch(`http://127.0.0.1:${port}/healthcheck`)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
