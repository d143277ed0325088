import { lauxlib, lua, lualib, toLuaString, type LuaState } from './fengari.js';
import { decodeLuaString } from './lua-marshal.js';
import type { LuaVm } from './lua-vm.js';

/**
 * What a script can reach. Libraries are opened one by one (never `luaL_openlibs`):
 *
 * | opened            | removed or replaced                                                  |
 * |-------------------|----------------------------------------------------------------------|
 * | base              | dofile, loadfile, collectgarbage removed; `load` text-only, always with an env; `print` logs |
 * | string            | `string.dump` removed; `rep` checked before it runs; metatable protected |
 * | table, math, utf8 | `table.move` bounded (it loops in JS, outside the instruction hook)  |
 * | coroutine         | threads inherit the instruction hook                                 |
 * | os (stub)         | only time, clock, date                                               |
 *
 * Never opened: io, package (its searchers evaluate files), debug, the fengari JS interop lib.
 * No host object is ever pushed: values cross as plain data (lua-marshal.ts).
 * Pattern functions (find/match/gmatch/gsub) backtrack in JS where the hook cannot interrupt them;
 * they are guarded by an estimate of their worst case (see PATTERN_GUARD below).
 */
export function installSandbox(vm: LuaVm): void {
  const L = vm.L;
  const open = (name: string, fn: unknown) => {
    lauxlib.luaL_requiref(L, toLuaString(name), fn, 1);
    lua.lua_pop(L, 1);
  };
  open('_G', lualib.luaopen_base);
  open('string', lualib.luaopen_string);
  open('table', lualib.luaopen_table);
  open('math', lualib.luaopen_math);
  open('utf8', lualib.luaopen_utf8);
  open('coroutine', lualib.luaopen_coroutine);

  for (const name of ['dofile', 'loadfile', 'collectgarbage', 'require', 'module']) setGlobalNil(L, name);
  lua.lua_getglobal(L, toLuaString('string'));
  lua.lua_pushnil(L);
  lua.lua_setfield(L, -2, toLuaString('dump'));
  lua.lua_pop(L, 1);

  // print → the host logger (stdout is not the script's).
  lua.lua_pushcfunction(L, (Ls: LuaState) => {
    const n = lua.lua_gettop(Ls);
    const parts: string[] = [];
    for (let i = 1; i <= n; i++) parts.push(decodeLuaString(lauxlib.luaL_tolstring(Ls, i)));
    vm.onPrint?.(parts.join('\t'));
    return 0;
  });
  lua.lua_setglobal(L, toLuaString('print'));

  installOs(L);

  // The remaining rules are plain Lua over the opened libraries, run once with the hook off.
  const status = lauxlib.luaL_loadbufferx(L, toLuaString(PRELUDE), PRELUDE.length, toLuaString('=kaos-sandbox'), toLuaString('t'));
  if (status !== lua.LUA_OK) throw new Error(`sandbox prelude: ${decodeLuaString(lua.lua_tolstring(L, -1))}`);
  lua.lua_pushnumber(L, vm.limits.maxStringBytes);
  lua.lua_pushnumber(L, vm.limits.patternCostLimit);
  if (lua.lua_pcall(L, 2, 0, 0) !== lua.LUA_OK) throw new Error(`sandbox prelude: ${decodeLuaString(lua.lua_tolstring(L, -1))}`);
}

function setGlobalNil(L: LuaState, name: string): void {
  lua.lua_pushnil(L);
  lua.lua_setglobal(L, toLuaString(name));
}

/** `os` with time, clock and date only (no execute, exit, getenv, remove, rename, tmpname). */
function installOs(L: LuaState): void {
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushcfunction(L, (Ls: LuaState) => {
    if (lua.lua_type(Ls, 1) === lua.LUA_TTABLE) {
      const get = (k: string, d?: number): number => {
        lua.lua_getfield(Ls, 1, toLuaString(k));
        const v = lua.lua_isnumber(Ls, -1) ? (lua.lua_tonumber(Ls, -1) as number) : d;
        lua.lua_pop(Ls, 1);
        if (v === undefined) return lauxlib.luaL_error(Ls, toLuaString(`field '${k}' missing in date table`));
        return v;
      };
      const t = new Date(get('year'), get('month') - 1, get('day'), get('hour', 12), get('min', 0), get('sec', 0));
      lua.lua_pushnumber(Ls, Math.floor(t.getTime() / 1000));
    } else {
      lua.lua_pushnumber(Ls, Math.floor(Date.now() / 1000));
    }
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaString('time'));
  lua.lua_pushcfunction(L, (Ls: LuaState) => {
    lua.lua_pushnumber(Ls, process.cpuUsage().user / 1e6);
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaString('clock'));
  lua.lua_pushcfunction(L, (Ls: LuaState) => {
    let format = lua.lua_isnoneornil(Ls, 1) ? '%c' : decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    const seconds = lua.lua_isnoneornil(Ls, 2) ? Date.now() / 1000 : (lauxlib.luaL_checknumber(Ls, 2) as number);
    let utc = false;
    if (format.startsWith('!')) {
      utc = true;
      format = format.slice(1);
    }
    const d = new Date(seconds * 1000);
    const p = dateParts(d, utc);
    if (format.startsWith('*t')) {
      lua.lua_createtable(Ls, 0, 9);
      for (const [k, v] of Object.entries(p)) {
        lua.lua_pushnumber(Ls, v);
        lua.lua_setfield(Ls, -2, toLuaString(k));
      }
      lua.lua_pushboolean(Ls, 0);
      lua.lua_setfield(Ls, -2, toLuaString('isdst'));
      return 1;
    }
    lua.lua_pushstring(Ls, toLuaString(strftime(format.slice(0, 256), p)));
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaString('date'));
  lua.lua_setglobal(L, toLuaString('os'));
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number;
}

function dateParts(d: Date, utc: boolean): DateParts {
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const start = utc ? Date.UTC(year, 0, 1) : new Date(year, 0, 1).getTime();
  return {
    year,
    month: (utc ? d.getUTCMonth() : d.getMonth()) + 1,
    day: utc ? d.getUTCDate() : d.getDate(),
    hour: utc ? d.getUTCHours() : d.getHours(),
    min: utc ? d.getUTCMinutes() : d.getMinutes(),
    sec: utc ? d.getUTCSeconds() : d.getSeconds(),
    wday: (utc ? d.getUTCDay() : d.getDay()) + 1,
    yday: Math.floor((d.getTime() - start) / 86_400_000) + 1,
  };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function strftime(format: string, p: DateParts): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return format.replace(/%(.)/g, (_m, c: string) => {
    switch (c) {
      case 'Y': return String(p.year);
      case 'y': return two(p.year % 100);
      case 'm': return two(p.month);
      case 'd': return two(p.day);
      case 'H': return two(p.hour);
      case 'I': return two(((p.hour + 11) % 12) + 1);
      case 'M': return two(p.min);
      case 'S': return two(p.sec);
      case 'p': return p.hour < 12 ? 'AM' : 'PM';
      case 'j': return String(p.yday).padStart(3, '0');
      case 'a': return DAYS[p.wday - 1]!.slice(0, 3);
      case 'A': return DAYS[p.wday - 1]!;
      case 'b': return MONTHS[p.month - 1]!.slice(0, 3);
      case 'B': return MONTHS[p.month - 1]!;
      case 'c': return `${DAYS[p.wday - 1]!.slice(0, 3)} ${MONTHS[p.month - 1]!.slice(0, 3)} ${two(p.day)} ${two(p.hour)}:${two(p.min)}:${two(p.sec)} ${p.year}`;
      case 'x': return `${two(p.month)}/${two(p.day)}/${two(p.year % 100)}`;
      case 'X': return `${two(p.hour)}:${two(p.min)}:${two(p.sec)}`;
      case '%': return '%';
      default: return `%${c}`;
    }
  });
}

/**
 * Runs once per state with (maxStringBytes, patternCostLimit). Upvalues holding the original
 * functions are unreachable without the debug library.
 */
const PRELUDE = String.raw`
local CAP, PATTERN_COST = ...
local type, error, floor, rawload, G = type, error, math.floor, load, _G

-- load: text only, and always into an explicit environment (the script globals by default).
load = function(chunk, name, mode, env)
  if type(chunk) ~= "string" then return nil, "load: only string chunks are allowed" end
  if env == nil then env = G end
  return rawload(chunk, name, "t", env)
end

-- string.rep loops in JS: an empty string repeated 1e9 times burns CPU without allocating.
local rep = string.rep
string.rep = function(s, n, sep)
  if type(n) == "number" and n > 0 then
    local piece = #tostring(s) + (sep and #tostring(sep) or 0)
    if n > CAP or piece * n > CAP then
      error("string.rep: result larger than " .. floor(CAP) .. " bytes", 2)
    end
  end
  return rep(s, n, sep)
end

-- table.move loops in JS over the whole range, nil or not.
local move = table.move
table.move = function(a1, f, e, t, a2)
  if type(f) == "number" and type(e) == "number" and e - f > CAP then
    error("table.move: range too large", 2)
  end
  return move(a1, f, e, t, a2)
end

-- Lua patterns backtrack inside JS, where no instruction hook fires: refuse calls whose worst
-- case (subject length to the power of quantifiers + 1) is over the configured cost.
local find, match, gmatch, gsub, byte = string.find, string.match, string.gmatch, string.gsub, string.byte
local function quantifiers(p)
  local q, i, n = 0, 1, #p
  while i <= n do
    local c = byte(p, i)
    if c == 37 then i = i + 1                                   -- '%x' escape
    elseif c == 42 or c == 43 or c == 45 then q = q + 1          -- * + -
    end
    i = i + 1
  end
  return q
end
local function guard(fname, s, p)
  if type(s) ~= "string" or type(p) ~= "string" then return end
  local n = #s
  if n < 64 then return end
  local q = quantifiers(p)
  local cost = n ^ (q + 1)
  if byte(p, 1) == 94 then cost = n ^ q end                    -- anchored: one start position
  if cost > PATTERN_COST then
    error(fname .. ": pattern too complex for a subject of " .. n .. " bytes", 3)
  end
end
string.find = function(s, p, init, plain)
  if not plain then guard("string.find", s, p) end
  return find(s, p, init, plain)
end
string.match = function(s, p, init) guard("string.match", s, p) return match(s, p, init) end
string.gmatch = function(s, p) guard("string.gmatch", s, p) return gmatch(s, p) end
string.gsub = function(s, p, r, n) guard("string.gsub", s, p) return gsub(s, p, r, n) end

-- The string metatable is shared by every string: nobody may read or replace it.
local smt = getmetatable("")
smt.__metatable = "protected"
smt.__index = string
`;
