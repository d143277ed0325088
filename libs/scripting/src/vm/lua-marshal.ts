import { KaosError } from '@kaosnet/common';
import { lua, toJsString, toLuaString, type LuaState } from './fengari.js';

/** Limits on what crosses the JS/Lua bridge in one value. */
export interface MarshalLimits {
  /** Nesting depth of tables / objects (default 32). */
  maxDepth: number;
  /** Total table entries + scalars in one value (default 100,000). */
  maxNodes: number;
  /** Bytes of one string (defaults to the VM's string cap). */
  maxStringBytes: number;
}

export const DEFAULT_MARSHAL_LIMITS: MarshalLimits = { maxDepth: 32, maxNodes: 100_000, maxStringBytes: 1 << 20 };

/** Plain data only: what JSON can carry. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

class Counter {
  nodes = 0;
  constructor(readonly limits: MarshalLimits) {}
  tick(): void {
    if (++this.nodes > this.limits.maxNodes) throw KaosError.tooLarge(`value has more than ${this.limits.maxNodes} elements`);
  }
}

/**
 * Pushes plain JS data onto a Lua stack. Numbers always go as FLOATS: fengari integers are 32-bit,
 * so a score or a millisecond timestamp pushed as an integer would wrap; a float is exact to 2^53.
 * Objects are copied (own enumerable fields only); functions and symbols are refused: a host object
 * inside a state would be an escape hatch (`obj.constructor.constructor`).
 */
export function pushValue(L: LuaState, value: unknown, limits: MarshalLimits = DEFAULT_MARSHAL_LIMITS): void {
  push(L, value, 0, new Counter(limits));
}

function push(L: LuaState, value: unknown, depth: number, counter: Counter): void {
  counter.tick();
  if (value === null || value === undefined) return lua.lua_pushnil(L);
  switch (typeof value) {
    case 'boolean':
      return lua.lua_pushboolean(L, value ? 1 : 0);
    case 'number':
      return lua.lua_pushnumber(L, value);
    case 'bigint':
      return lua.lua_pushnumber(L, Number(value));
    case 'string': {
      const bytes = toLuaString(value);
      if (bytes.length > counter.limits.maxStringBytes) throw KaosError.tooLarge(`string of ${bytes.length} bytes is over the ${counter.limits.maxStringBytes}-byte limit`);
      lua.lua_pushstring(L, bytes);
      return;
    }
    case 'object':
      break;
    default:
      throw KaosError.badRequest(`cannot pass a ${typeof value} to Lua`);
  }
  if (depth >= counter.limits.maxDepth) throw KaosError.tooLarge(`value nested deeper than ${counter.limits.maxDepth}`);
  if (value instanceof Date) return lua.lua_pushnumber(L, value.getTime());
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    if (value.length > counter.limits.maxStringBytes) throw KaosError.tooLarge(`bytes over the ${counter.limits.maxStringBytes}-byte limit`);
    lua.lua_pushlstring(L, Uint8Array.from(value), value.length);
    return;
  }
  if (!lua.lua_checkstack(L, 3)) throw KaosError.tooLarge('Lua stack exhausted while marshalling');
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      push(L, value[i], depth + 1, counter);
      lua.lua_rawseti(L, -2, i + 1);
    }
    return;
  }
  // Objects (DTO instances included) are COPIED field by field into a new table: nothing of the
  // host object itself (prototype, methods, constructor) reaches the state.
  const keys = Object.keys(value);
  lua.lua_createtable(L, 0, keys.length);
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    lua.lua_pushstring(L, keyBytes(key));
    push(L, v, depth + 1, counter);
    lua.lua_rawset(L, -3);
  }
}

/**
 * Reads the Lua value at `index` as plain JS data, with raw access only (no metamethod runs in
 * host code, outside any budget). Tables whose keys are exactly 1..n become arrays; an empty table
 * becomes `{}`; other tables become objects with string keys (number keys are stringified).
 * Functions, userdata and threads are refused; so are NaN and infinities (JSON cannot carry them).
 */
export function readValue(L: LuaState, index: number, limits: MarshalLimits = DEFAULT_MARSHAL_LIMITS): PlainValue {
  return read(L, lua.lua_absindex(L, index), 0, new Counter(limits));
}

function read(L: LuaState, index: number, depth: number, counter: Counter): PlainValue {
  counter.tick();
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TNIL:
    case lua.LUA_TNONE:
      return null;
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index);
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, index) as number;
      if (!Number.isFinite(n)) throw KaosError.badRequest('NaN and infinite numbers cannot leave Lua');
      return n;
    }
    case lua.LUA_TSTRING:
      return decodeLuaString(lua.lua_tolstring(L, index));
    case lua.LUA_TTABLE:
      return readTable(L, index, depth, counter);
    default:
      throw KaosError.badRequest(`cannot pass a Lua ${toJsString(lua.lua_typename(L, lua.lua_type(L, index)))} out of Lua`);
  }
}

function readTable(L: LuaState, index: number, depth: number, counter: Counter): PlainValue {
  if (depth >= counter.limits.maxDepth) throw KaosError.tooLarge(`table nested deeper than ${counter.limits.maxDepth} (or a cycle)`);
  if (!lua.lua_checkstack(L, 4)) throw KaosError.tooLarge('Lua stack exhausted while marshalling');
  const n = lua.lua_rawlen(L, index) as number;
  // An array when keys are exactly 1..n: count the keys while reading them as an object.
  const obj: Record<string, PlainValue> = {};
  let count = 0;
  let allSequence = n > 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, index) !== 0) {
    count++;
    let key: string;
    const kt = lua.lua_type(L, -2);
    if (kt === lua.LUA_TSTRING) {
      key = decodeLuaString(lua.lua_tolstring(L, -2));
      allSequence = false;
    } else if (kt === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2) as number;
      if (!(Number.isInteger(k) && k >= 1 && k <= n)) allSequence = false;
      key = String(k);
    } else {
      lua.lua_pop(L, 2);
      throw KaosError.badRequest(`table keys must be strings or numbers, not ${toJsString(lua.lua_typename(L, kt))}`);
    }
    try {
      const v = read(L, lua.lua_gettop(L), depth + 1, counter);
      // defineProperty: a '__proto__' key must stay data, never a prototype change.
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    } catch (error) {
      lua.lua_pop(L, 2);
      throw error;
    }
    lua.lua_pop(L, 1);
  }
  if (allSequence && count === n) {
    const arr: PlainValue[] = new Array(n);
    for (let i = 0; i < n; i++) arr[i] = obj[String(i + 1)] ?? null;
    return arr;
  }
  return obj;
}

/** Object keys repeat (ctx fields, DTO fields): keep their UTF-8 bytes (bounded). */
const keyCache = new Map<string, Uint8Array>();
function keyBytes(key: string): Uint8Array {
  let b = keyCache.get(key);
  if (b === undefined) {
    b = toLuaString(key);
    if (key.length <= 64) {
      if (keyCache.size >= 4096) keyCache.clear();
      keyCache.set(key, b);
    }
  }
  return b;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
/** Lua strings are bytes: decode as UTF-8, replacing invalid sequences. */
export function decodeLuaString(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
