import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { KaosConfig } from '@kaosnet/common';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

/**
 * The sandbox escape suite: every script in test/fixtures/lua/sandbox/escapes.lua tries one way
 * out (libraries, bytecode, metatables, coroutines, infinite loops inside pcall, size bombs, deep
 * recursion). Each must fail safely, and the server must go on answering other requests during and
 * after — proven by requests completing, never by timing thresholds.
 */
describe('Lua sandbox escape suite', () => {
  let s: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    s = await startTestServer({
      config: { luaDir: join(process.cwd(), 'test/fixtures/lua/sandbox'), scripting: { poolSize: 4, vm: { instructionLimit: 2_000_000, timeoutMs: 1_500 } } } as Partial<KaosConfig>,
    });
    const res = await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    adminToken = ((await res.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await s.close();
  });

  /** Runs an RPC as the system; a script failure comes back as {error: {script, line, message, limit?}}. */
  async function run(id: string): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`${s.consoleUrl}/admin/rpc/${id}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  /** The server still serves: a Lua RPC, and a request that never touches Lua. */
  async function stillServing(): Promise<void> {
    expect((await run('ping')).body).toEqual({ payload: '{"pong":true}' });
    expect((await fetch(`${s.clientUrl}/healthcheck`)).status).toBe(200);
  }

  async function expectFailure(id: string, message: RegExp, extra: Record<string, unknown> = {}): Promise<void> {
    const r = await run(id);
    expect(r.status).toBe(200);
    expect(r.body['error']).toMatchObject({ code: 'INTERNAL', script: 'escapes.lua', ...extra });
    expect(r.body['error'].message).toMatch(message);
    await stillServing();
  }

  it('exposes no io, package, debug, fengari/js interop, dofile/loadfile, string.dump, collectgarbage or unsafe os functions', async () => {
    const r = await run('globals');
    expect(JSON.parse(r.body['payload'])).toEqual({
      io: false, package: false, debug: false, require_pkg: false, dofile: false, loadfile: false, dump: false, fengari: false, js: false,
      os_execute: false, os_exit: false, os_getenv: false, os_remove: false, collectgarbage: false,
    });
  });

  it.each([
    ['io_open', /attempt to index a nil value \(global 'io'\)/],
    ['os_execute', /attempt to call a nil value \(field 'execute'\)/],
    ['os_exit', /attempt to call a nil value \(field 'exit'\)/],
    ['os_getenv', /attempt to call a nil value \(field 'getenv'\)/],
    ['require_io', /module 'io' not found/],
    ['require_file', /module '\/etc\/passwd' not found/],
    ['string_dump', /attempt to call a nil value \(field 'dump'\)/],
    ['debug_lib', /attempt to index a nil value \(global 'debug'\)/],
    ['bytecode', /binary chunk/],
    ['load_reader', /only string chunks/],
    ['setmetatable_string', /bad argument #1 to 'setmetatable'/],
  ])('%s fails with a script error and the server keeps serving', async (id, message) => {
    await expectFailure(id, message);
  });

  it('gives load() an explicit environment: a chunk loaded with {} sees no globals', async () => {
    expect(JSON.parse((await run('load_env')).body['payload'])).toEqual({ os_visible: false });
  });

  it('protects the string metatable and other metatables from tampering', async () => {
    expect(JSON.parse((await run('string_mt')).body['payload'])).toEqual({ mt: 'protected', upper: 'X' });
    expect(JSON.parse((await run('getmetatable_tricks')).body['payload'])).toEqual({ kaos_mt: true, G_mt: true, fn_ctor: false });
  });

  it.each([
    ['busy_loop', 'while true do end'],
    ['busy_pcall', 'while true inside pcall'],
    ['pcall_loop', 'a loop of pcalls'],
    ['xpcall_handler', 'a looping xpcall message handler'],
    ['coroutine_spin', 'an infinite loop inside a coroutine'],
    ['table_bomb', 'a table bomb'],
  ])('%s (%s) is stopped by the budget or the watchdog, pcall or not', async (id) => {
    const r = await run(id);
    expect(r.body['error']).toMatchObject({ code: 'INTERNAL', script: 'escapes.lua' });
    expect(r.body['error'].limit).toMatch(/instruction budget|timed out|memory limit/);
    await stillServing();
  });

  it('serves other requests while a script spins: a concurrent request completes', async () => {
    const { auth } = await newPlayer(s);
    const spin = run('busy_pcall');
    const other = fetch(`${s.clientUrl}/api/account`, { headers: { authorization: `Bearer ${auth.token}` } });
    const [spun, account] = await Promise.all([spin, other]);
    expect(spun.body['error'].limit).toMatch(/instruction budget|timed out/);
    expect(account.status).toBe(200);
    await stillServing();
  });

  it.each([
    ['rep_bomb', /string.rep: result larger than/],
    ['rep_empty', /string.rep: result larger than/],
    ['concat_bomb', /string too large/],
    ['table_concat_bomb', /string too large/],
    ['format_bomb', /string too large/],
    ['gsub_bomb', /string too large/],
    ['table_move', /table.move: range too large/],
    ['pattern_bomb', /pattern too complex/],
  ])('%s is refused before it allocates or spins', async (id, message) => {
    await expectFailure(id, message);
  });

  it.each([
    ['recursion', /stack overflow|instruction budget|timed out/],
    ['mt_recursion', /stack overflow|string too large|instruction budget|timed out/],
  ])('%s (deep recursion) fails safely', async (id, message) => {
    const r = await run(id);
    expect(r.body['error']).toMatchObject({ code: 'INTERNAL' });
    expect(`${r.body['error'].message} ${r.body['error'].limit ?? ''}`).toMatch(message);
    await stillServing();
  });

  it('survives coroutine abuse (100,000 coroutines) with an answer or a script error', async () => {
    const r = await run('coroutine_abuse');
    expect(r.status).toBe(200);
    expect(r.body['payload'] ?? r.body['error']).toBeDefined();
    await stillServing();
  });

  it('a coroutine.yield at the top of a call is an error, not a hang', async () => {
    await expectFailure('yield_top', /yield/);
  });
});
