import { createRequire } from 'node:module';

/**
 * The one place fengari (Lua 5.3 in JS) is loaded. Before the VM modules load, two groups of its
 * internal exports are wrapped, because Lua has no memory hook and its string builders allocate
 * without asking anybody:
 *
 * - `lstring.luaS_new` / `luaS_bless` (every string the VM creates, including the `..` operator,
 *   which never goes through a library function);
 * - `lauxlib`'s `luaL_Buffer` growth (`string.rep`, `string.format`, `table.concat`, `gsub`, …),
 *   checked BEFORE the buffer is grown, so `string.rep("x", 1e9)` never allocates.
 *
 * The cap lives on each state's global_State (`kaosMaxString`), so states built elsewhere (none
 * are) stay unlimited. The wrappers only work if they are installed before `lvm.js`/`lstrlib.js`
 * destructure those exports: `assertPatched()` proves it once per process.
 */
const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const lstring: Any = require('fengari/src/lstring.js');
let raise: (L: Any, message: string) => never = () => {
  throw new Error('fengari not loaded');
};
const capOf = (L: Any): number => (L?.l_G?.kaosMaxString as number | undefined) ?? Number.POSITIVE_INFINITY;
let fengariLua: () => Any = () => {
  throw new Error('fengari not loaded');
};
const tooLarge = (L: Any, size: number): never => raise(L, `string too large (${size} bytes; the limit is ${capOf(L)})`);

const origBless = lstring.luaS_bless;
const origNew = lstring.luaS_new;
// `function`, not arrows: fengari calls luaS_new with `new` in places.
lstring.luaS_bless = function (L: Any, s: Uint8Array) {
  if (s.length > capOf(L)) tooLarge(L, s.length);
  return origBless(L, s);
};
lstring.luaS_new = function (L: Any, s: Uint8Array) {
  if (s.length > capOf(L)) tooLarge(L, s.length);
  return origNew(L, s);
};

// fengari 0.1.x bug: lua_pcallk inside a coroutine means to save L.allowhook in the CIST_OAH bit
// of the caller's CallInfo, but `callstatus &= ~CIST_OAH | allowhook` never sets the bit. After a
// pcall inside a coroutine catches an error, `recover` restores allowhook = 0, which silently
// turns the instruction hook OFF for that coroutine (a pcall loop then runs forever). Setting the
// bit beforehand makes the buggy line preserve the right value. Must run before lua.js copies it.
const lapi: Any = require('fengari/src/lapi.js');
const lstate: Any = require('fengari/src/lstate.js');
const origPcallk = lapi.lua_pcallk;
lapi.lua_pcallk = function (L: Any, nargs: number, nresults: number, errfunc: number, ctx: Any, k: Any) {
  if (L.allowhook) L.ci.callstatus |= lstate.CIST_OAH;
  else L.ci.callstatus &= ~lstate.CIST_OAH;
  return origPcallk(L, nargs, nresults, errfunc, ctx, k);
};

const lauxlibRaw: Any = require('fengari/src/lauxlib.js');
// Explicit wrappers (no rest arguments): luaL_addchar runs once per byte in gsub.
const origPrep = lauxlibRaw.luaL_prepbuffsize;
const origInit = lauxlibRaw.luaL_buffinitsize;
const origAddl = lauxlibRaw.luaL_addlstring;
const origAdds = lauxlibRaw.luaL_addstring;
const origAddc = lauxlibRaw.luaL_addchar;
const origAddv = lauxlibRaw.luaL_addvalue;
lauxlibRaw.luaL_prepbuffsize = function (B: Any, sz: number) {
  if (B.n + sz > capOf(B.L)) tooLarge(B.L, B.n + sz);
  return origPrep(B, sz);
};
lauxlibRaw.luaL_buffinitsize = function (L: Any, B: Any, sz: number) {
  if (sz > capOf(L)) tooLarge(L, sz);
  return origInit(L, B, sz);
};
lauxlibRaw.luaL_addlstring = function (B: Any, s: Any, l: number) {
  if (B.n + l > capOf(B.L)) tooLarge(B.L, B.n + l);
  return origAddl(B, s, l);
};
lauxlibRaw.luaL_addstring = function (B: Any, s: Any) {
  const l = s?.length ?? 0;
  if (B.n + l > capOf(B.L)) tooLarge(B.L, B.n + l);
  return origAdds(B, s);
};
lauxlibRaw.luaL_addchar = function (B: Any, c: number) {
  if (B.n >= capOf(B.L)) tooLarge(B.L, B.n + 1);
  return origAddc(B, c);
};
lauxlibRaw.luaL_addvalue = function (B: Any) {
  const top = fengariLua().lua_tolstring(B.L, -1);
  const l = top?.length ?? 0;
  if (B.n + l > capOf(B.L)) tooLarge(B.L, B.n + l);
  return origAddv(B);
};

const ldebug: Any = require('fengari/src/ldebug.js');
const fengari: Any = require('fengari');
fengariLua = () => fengari.lua;
raise = (L, message) => ldebug.luaG_runerror(L, fengari.to_luastring(message)) as never;

export const lua: Any = fengari.lua;
export const lauxlib: Any = fengari.lauxlib;
export const lualib: Any = fengari.lualib;
export const toLuaString: (s: string) => Uint8Array = fengari.to_luastring;
export const toJsString: (s: Uint8Array) => string = fengari.to_jsstring;
/** `luaG_runerror`: raise a Lua error with position info from inside any VM code path. */
export const luaRunError = (L: Any, message: string): never => raise(L, message);
export const luaDebugInfo: () => Any = () => new lua.lua_Debug();

export type LuaState = Any;

/** Sets the per-state string size cap enforced by the wrappers above. */
export function setStringCap(L: LuaState, bytes: number): void {
  L.l_G.kaosMaxString = bytes;
}

let verified = false;
/** Proves the wrappers are in effect (fengari was not loaded by someone else first). */
export function assertPatched(): void {
  if (verified) return;
  const L = lauxlib.luaL_newstate();
  lauxlib.luaL_requiref(L, toLuaString('_G'), lualib.luaopen_base, 1);
  lua.lua_pop(L, 1);
  const code = 'local s = ("x"):rep(40) local ok1 = pcall(function() return s .. s end) local ok2 = pcall(string.rep, "x", 100) return ok1, ok2';
  if (lapi.lua_pcallk === origPcallk || lua.lua_pcallk !== lapi.lua_pcallk) throw new Error('fengari pcall fix not in effect: load Lua only through @kaosnet/scripting');
  lauxlib.luaL_requiref(L, toLuaString('string'), lualib.luaopen_string, 1);
  lua.lua_pop(L, 1);
  const loaded = lauxlib.luaL_loadstring(L, toLuaString(code)) === lua.LUA_OK;
  setStringCap(L, 64);
  if (!loaded || lua.lua_pcall(L, 0, 2, 0) !== lua.LUA_OK) {
    throw new Error('fengari size-cap self-test could not run');
  }
  const concatCapped = !lua.lua_toboolean(L, -2);
  const repCapped = !lua.lua_toboolean(L, -1);
  if (!concatCapped || !repCapped) {
    throw new Error('fengari was loaded before @kaosnet/scripting could install its size caps; load Lua only through @kaosnet/scripting');
  }
  verified = true;
}
