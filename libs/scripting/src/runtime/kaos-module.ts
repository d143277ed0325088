import { createHash, randomUUID } from 'node:crypto';
import { KaosError, type Caller } from '@kaosnet/common';
import { lauxlib, lua, luaDebugInfo, luaRunError, toLuaString, type LuaState } from '../vm/fengari.js';
import { decodeLuaString } from '../vm/lua-marshal.js';
import { pushErrorValue, type LuaVm } from '../vm/lua-vm.js';
import type { LuaArgKind } from '../bindings/lua-binding.js';
import type { ResolvedLuaBinding } from '../bindings/lua-binding.registry.js';
import { HOOK_OPERATIONS, isHookOperation, type HookOperation } from '../hooks/hook-operations.js';

/** What one VM's scripts registered while loading (function refs live in that VM). */
export class Registrations {
  readonly rpcs = new Map<string, { ref: number; script?: string }>();
  readonly before = new Map<HookOperation, { ref: number; script?: string }>();
  readonly after = new Map<HookOperation, { ref: number; script?: string }>();
  /** Match modules: ref of the module table. */
  readonly matches = new Map<string, { ref: number; script?: string }>();
}

export interface KaosModuleHost {
  log(level: 'info' | 'warn' | 'error', message: string, fields?: unknown): void;
  bindings: ResolvedLuaBinding[];
  /** `require` sources: module name → {file name, source}. */
  modules: ReadonlyMap<string, { file: string; source: string }>;
}

/** Caller the runtime acts as inside bindings: the server, on behalf of a script. */
export function luaCaller(label: string): Caller {
  return { kind: 'system', origin: 'lua', actor: label };
}

const LOADED_KEY = 'kaos.loaded';

/**
 * Installs `kaos` and `require` into a VM. Registration functions work only while the scripts
 * load (every VM of a generation loads the same scripts, so they all register the same names).
 */
export function installKaosModule(vm: LuaVm, host: KaosModuleHost, registrations: Registrations, state: { loading: boolean }): void {
  const L = vm.L;
  lua.lua_newtable(L);
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, toLuaString(LOADED_KEY));

  lua.lua_createtable(L, 0, 32);
  const fn = (name: string, f: (L: LuaState) => number) => {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, toLuaString(name));
  };
  const scriptOf = (Ls: LuaState): string | undefined => {
    const ar = luaDebugInfo();
    if (lua.lua_getstack(Ls, 1, ar)) {
      lua.lua_getinfo(Ls, toLuaString('S'), ar);
      return decodeLuaString(ar.short_src);
    }
    return undefined;
  };
  const register = (kind: string, target: Map<string, { ref: number; script?: string }>, Ls: LuaState, key: string, valueType: number) => {
    if (!state.loading) return luaRunError(Ls, `kaos.${kind} works only while scripts load (at the top level of a script)`);
    if (lua.lua_type(Ls, 2) !== valueType) return lauxlib.luaL_argerror(Ls, 2, toLuaString(valueType === lua.LUA_TFUNCTION ? 'function expected' : 'table expected'));
    if (target.has(key)) return luaRunError(Ls, `kaos.${kind}: "${key}" is already registered`);
    lua.lua_pushvalue(Ls, 2);
    target.set(key, { ref: lauxlib.luaL_ref(Ls, lua.LUA_REGISTRYINDEX), script: scriptOf(Ls) });
    return 0;
  };
  const idArg = (Ls: LuaState, what: string): string => {
    const id = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) luaRunError(Ls, `${what} must be 1-128 of [A-Za-z0-9_.:-]`);
    return id;
  };
  const opArg = (Ls: LuaState): HookOperation => {
    const op = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    if (!isHookOperation(op)) luaRunError(Ls, `unknown operation "${op}" (one of: ${HOOK_OPERATIONS.join(', ')})`);
    return op as HookOperation;
  };

  fn('register_rpc', (Ls) => register('register_rpc', registrations.rpcs, Ls, idArg(Ls, 'rpc id'), lua.LUA_TFUNCTION));
  fn('register_before', (Ls) => register('register_before', registrations.before as Map<string, never>, Ls, opArg(Ls), lua.LUA_TFUNCTION));
  fn('register_after', (Ls) => register('register_after', registrations.after as Map<string, never>, Ls, opArg(Ls), lua.LUA_TFUNCTION));
  fn('register_match', (Ls) => register('register_match', registrations.matches, Ls, idArg(Ls, 'match module name'), lua.LUA_TTABLE));

  for (const level of ['info', 'warn', 'error'] as const) {
    fn(`logger_${level}`, (Ls) => {
      const message = decodeLuaString(lauxlib.luaL_tolstring(Ls, 1));
      lua.lua_pop(Ls, 1);
      const fields = lua.lua_type(Ls, 2) === lua.LUA_TTABLE ? safeRead(vm, Ls, 2) : undefined;
      host.log(level, message, fields);
      return 0;
    });
  }
  fn('json_encode', (Ls) => {
    const value = lua.lua_isnoneornil(Ls, 1) ? null : vm.read(Ls, 1);
    vm.push(Ls, JSON.stringify(value));
    return 1;
  });
  fn('json_decode', (Ls) => {
    const text = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return luaRunError(Ls, `json_decode: ${(error as Error).message}`);
    }
    vm.push(Ls, value);
    return 1;
  });
  fn('uuid', (Ls) => (vm.push(Ls, randomUUID()), 1));
  fn('time', (Ls) => (lua.lua_pushnumber(Ls, Date.now()), 1));
  fn('base64_encode', (Ls) => (vm.push(Ls, Buffer.from(lauxlib.luaL_checklstring(Ls, 1)).toString('base64')), 1));
  fn('base64_decode', (Ls) => {
    const text = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return luaRunError(Ls, 'base64_decode: not base64');
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    lua.lua_pushlstring(Ls, Uint8Array.from(bytes), bytes.length);
    return 1;
  });
  fn('sha256_hex', (Ls) => (vm.push(Ls, createHash('sha256').update(lauxlib.luaL_checklstring(Ls, 1)).digest('hex')), 1));

  for (const { binding, service } of host.bindings) {
    const name = `kaos.${binding.name}`;
    fn(binding.name, (Ls) => {
      const args = readArgs(vm, Ls, name, binding.args);
      const caller = luaCaller(vm.current?.label ?? 'lua');
      let result: unknown;
      try {
        result = binding.call(service, caller, ...args);
      } catch (error) {
        pushErrorValue(Ls, error, vm);
        return lua.lua_error(Ls);
      }
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        return vm.awaitHost(Ls, name, () => result as Promise<unknown>, (Lp, v) => (vm.push(Lp, v), 1));
      }
      vm.push(Ls, result);
      return 1;
    });
  }
  lua.lua_setglobal(L, toLuaString('kaos'));

  // require: scripts only, from memory. A module's value is cached like package.loaded.
  const loading = new Set<string>();
  lua.lua_pushcfunction(L, (Ls: LuaState) => {
    const name = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
    lua.lua_settop(Ls, 1);
    lua.lua_getfield(Ls, lua.LUA_REGISTRYINDEX, toLuaString(LOADED_KEY));
    lua.lua_getfield(Ls, 2, toLuaString(name));
    if (!lua.lua_isnil(Ls, -1)) return 1;
    lua.lua_pop(Ls, 1);
    const mod = host.modules.get(name);
    if (!mod) return luaRunError(Ls, `module '${name}' not found among the scripts`);
    if (loading.has(name)) return luaRunError(Ls, `module '${name}' is required while it loads (a require cycle)`);
    const bytes = toLuaString(mod.source);
    if (lauxlib.luaL_loadbufferx(Ls, bytes, bytes.length, toLuaString(`=${mod.file}`), toLuaString('t')) !== lua.LUA_OK) return lua.lua_error(Ls);
    lua.lua_pushvalue(Ls, 1);
    loading.add(name);
    const done = (Lk: LuaState): number => {
      loading.delete(name);
      // stack: name, loaded, result
      if (lua.lua_isnil(Lk, -1)) {
        lua.lua_pop(Lk, 1);
        lua.lua_pushboolean(Lk, 1);
      }
      lua.lua_pushvalue(Lk, -1);
      lua.lua_setfield(Lk, 2, toLuaString(name));
      return 1;
    };
    try {
      lua.lua_callk(Ls, 1, 1, 0, done);
    } catch (error) {
      loading.delete(name);
      throw error;
    }
    return done(Ls);
  });
  lua.lua_setglobal(L, toLuaString('require'));
}

function safeRead(vm: LuaVm, L: LuaState, index: number): unknown {
  try {
    return vm.read(L, index);
  } catch {
    return undefined;
  }
}

function readArgs(vm: LuaVm, L: LuaState, name: string, kinds: readonly LuaArgKind[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i]!;
    const optional = kind.endsWith('?');
    const base = optional ? kind.slice(0, -1) : kind;
    const idx = i + 1;
    const t = lua.lua_type(L, idx);
    if (t === lua.LUA_TNIL || t === lua.LUA_TNONE) {
      if (!optional && base !== 'any') luaRunError(L, `bad argument #${idx} to '${name}' (${base} expected, got no value)`);
      out.push(undefined);
      continue;
    }
    const expected = base === 'string' ? lua.LUA_TSTRING : base === 'number' ? lua.LUA_TNUMBER : base === 'boolean' ? lua.LUA_TBOOLEAN : base === 'table' ? lua.LUA_TTABLE : -1;
    if (expected !== -1 && t !== expected) luaRunError(L, `bad argument #${idx} to '${name}' (${base} expected, got ${decodeLuaString(lua.lua_typename(L, t))})`);
    try {
      out.push(vm.read(L, idx));
    } catch (error) {
      luaRunError(L, `bad argument #${idx} to '${name}' (${error instanceof KaosError ? error.message : 'not plain data'})`);
    }
  }
  return out;
}
