import { describe, expect, it } from '@jest/globals';
import { KaosError, SYSTEM_CALLER } from '@kaosnet/common';
import { lua, toLuaString } from './fengari.js';
import { ScriptFailure } from './lua-errors.js';
import { LuaVm } from './lua-vm.js';

function vmWith(limits: ConstructorParameters<typeof LuaVm>[0] = {}) {
  const sut = new LuaVm({ instructionLimit: 200_000, timeoutMs: 2_000, ...limits });
  const run = (code: string, ...args: unknown[]) => sut.invoke(sut.compile(code, 'spec.lua'), args);
  return { sut, run };
}

describe(LuaVm.name, () => {
  it('marshals plain data both ways: numbers as floats exact beyond 2^31, arrays, objects, nested tables', async () => {
    const { run } = vmWith();
    const value = { big: 2 ** 53 - 1, neg: -(2 ** 33), list: [1, 'two', { three: true }], empty: {}, s: 'héllo' };
    expect(await run('local v = ... return v', value)).toEqual([value]);
    expect(await run('local n = ... return n + 1, math.type(n)', 2 ** 31 - 1)).toEqual([2 ** 31, 'float']);
  });

  it('refuses to marshal functions out of Lua and copies objects in (no host object reaches the state)', async () => {
    const { run } = vmWith();
    await expect(run('return function() end')).rejects.toBeInstanceOf(KaosError);
    class Dto {
      a = 1;
      method(): number {
        return 2;
      }
    }
    expect(await run('local d = ... return d.a, d.method, d.constructor', new Dto())).toEqual([1, null, null]);
  });

  it('gives every invocation a fresh budget: the VM stays usable after a budget failure', async () => {
    const { run } = vmWith();
    await expect(run('while true do end')).rejects.toMatchObject({ limit: expect.stringContaining('instruction budget') });
    expect(await run('local s = 0 for i = 1, 10000 do s = s + i end return s')).toEqual([50005000]);
  });

  it('a coroutine kept across invocations still runs after another invocation hit the budget', async () => {
    const { run } = vmWith();
    expect(await run('co = coroutine.wrap(function() local i = 0 while true do i = i + 1 coroutine.yield(i) end end) return co()')).toEqual([1]);
    await expect(run('while true do pcall(function() while true do end end) end')).rejects.toBeInstanceOf(ScriptFailure);
    expect(await run('return co()')).toEqual([2]);
  });

  it('maps error({message, code}) to that code and a runtime error to INTERNAL with script and line', async () => {
    const { run } = vmWith();
    await expect(run('error({ message = "gone", code = "NOT_FOUND" })')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'gone', script: 'spec.lua', line: 1 });
    await expect(run('\nlocal x\nreturn x.y')).rejects.toMatchObject({ code: 'INTERNAL', script: 'spec.lua', line: 3 });
    await expect(run('error({ message = "odd", code = "NOPE" })')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('suspends a script on an asynchronous host call and resumes it with the result or the error table', async () => {
    const { sut } = vmWith();
    lua.lua_pushcfunction(sut.L, (L: unknown) => {
      const fail = lua.lua_toboolean(L, 1);
      return sut.awaitHost(L, 'host.wait', async () => {
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw KaosError.conflict('busy');
        return { ok: 42 };
      }, (Lp, v) => (sut.push(Lp, v), 1));
    });
    lua.lua_setglobal(sut.L, toLuaString('wait'));
    const ref = sut.compile('local r = wait(false) local ok, e = pcall(wait, true) return r.ok, ok, e.code, e.message', 'spec.lua');
    expect(await sut.invoke(ref, [], SYSTEM_CALLER)).toEqual([42, false, 'CONFLICT', 'busy']);
    // Synchronous callers (match callbacks) get an error instead of a yield.
    expect(() => sut.callSync(ref, () => 0, () => null, SYSTEM_CALLER, 'sync')).toThrow(/not available in match callbacks/);
  });

  it('caps every way of building a big string, per state', async () => {
    const { run } = vmWith({ maxStringBytes: 1000 });
    await expect(run('local s = ("x"):rep(600) return s .. s')).rejects.toMatchObject({ message: expect.stringContaining('string too large') });
    await expect(run('return ("x"):rep(1001)')).rejects.toMatchObject({ message: expect.stringContaining('string.rep') });
    await expect(run('local s = ("x"):rep(600) return table.concat({ s, s })')).rejects.toMatchObject({ message: expect.stringContaining('string too large') });
    expect(await run('return #("x"):rep(1000)')).toEqual([1000]);
  });
});
