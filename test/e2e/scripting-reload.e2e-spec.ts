import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KaosConfig } from '@kaosnet/common';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

const version = (v: string) => `kaos.register_rpc("version", function(ctx, payload) return { v = "${v}" } end)\n`;

async function login(s: TestServer): Promise<string> {
  const res = await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
  return ((await res.json()) as { token: string }).token;
}

describe('Lua hot reload', () => {
  let s: TestServer;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kaos-reload-'));
    writeFileSync(join(dir, 'main.lua'), version('one'));
    s = await startTestServer({ config: { luaDir: dir } as Partial<KaosConfig> });
    token = await login(s);
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = async (method: string, path: string) => {
    const res = await fetch(`${s.consoleUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const current = async () => JSON.parse((await admin('POST', '/admin/rpc/version')).body['payload']).v as string;

  it('swaps in a changed script on POST /admin/scripts/reload', async () => {
    expect(await current()).toBe('one');
    writeFileSync(join(dir, 'main.lua'), version('two'));
    writeFileSync(join(dir, 'extra.lua'), 'kaos.register_rpc("extra", function() return "new" end)\n');
    const r = await admin('POST', '/admin/scripts/reload');
    expect(r.body).toMatchObject({ ok: true, version: 2 });
    expect(await current()).toBe('two');
    expect((await admin('POST', '/admin/rpc/extra')).body).toEqual({ payload: 'new' });
  });

  it('keeps the running version when the new scripts have a syntax error, and reports script and line', async () => {
    writeFileSync(join(dir, 'main.lua'), version('three') + 'local broken = = 1\n');
    const r = await admin('POST', '/admin/scripts/reload');
    expect(r.body).toMatchObject({ ok: false, version: 2, error: { script: 'main.lua', line: 2 } });
    expect(r.body['error'].message).toMatch(/unexpected symbol/);
    expect(await current()).toBe('two');
    const list = await admin('GET', '/admin/scripts');
    expect(list.body).toMatchObject({ version: 2, lastReload: { ok: false, error: { script: 'main.lua', line: 2 } } });
  });

  it('keeps the running version when a script fails while loading (runtime error at the top level)', async () => {
    writeFileSync(join(dir, 'main.lua'), version('four') + 'local t = nil\nprint(t.x)\n');
    const r = await admin('POST', '/admin/scripts/reload');
    expect(r.body).toMatchObject({ ok: false, version: 2, error: { script: 'main.lua', line: 3 } });
    expect(await current()).toBe('two');
  });

  it('refuses a duplicate registration as a load error', async () => {
    writeFileSync(join(dir, 'main.lua'), version('five'));
    writeFileSync(join(dir, 'extra.lua'), version('dup'));
    const r = await admin('POST', '/admin/scripts/reload');
    expect(r.body).toMatchObject({ ok: false, error: { message: expect.stringContaining('already registered') } });
    expect(await current()).toBe('two');
  });

  it('recovers on the next good reload', async () => {
    writeFileSync(join(dir, 'extra.lua'), '-- nothing\n');
    expect((await admin('POST', '/admin/scripts/reload')).body).toMatchObject({ ok: true, version: 3 });
    expect(await current()).toBe('five');
    expect((await admin('POST', '/admin/rpc/extra')).body).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('Lua hot reload with a file watch', () => {
  it('reloads by itself when a script changes (scripting.watch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-watch-'));
    writeFileSync(join(dir, 'main.lua'), version('one'));
    const s = await startTestServer({ config: { luaDir: dir, scripting: { watch: true } } as Partial<KaosConfig> });
    try {
      const token = await login(s);
      const current = async () => {
        const res = await fetch(`${s.consoleUrl}/admin/rpc/version`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        return JSON.parse(((await res.json()) as { payload: string }).payload).v as string;
      };
      expect(await current()).toBe('one');
      writeFileSync(join(dir, 'main.lua'), version('watched'));
      const end = Date.now() + 10_000;
      while ((await current()) !== 'watched') {
        if (Date.now() > end) throw new Error('the watch did not reload');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
