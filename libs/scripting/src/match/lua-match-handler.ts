import { KaosError, type Caller } from '@kaosnet/common';
import type { MatchContext, MatchHandler, MatchInit, MatchJoinDecision, MatchLeaveReason, MatchMessage, MatchPresence } from '@kaosnet/rooms';
import { lauxlib, lua, luaRunError, toLuaString, type LuaState } from '../vm/fengari.js';
import type { ScriptVm } from '../runtime/generation.js';
import type { ScriptingRuntime } from '../runtime/scripting-runtime.js';
import { decodeLuaString } from '../vm/lua-marshal.js';

/** The state a room keeps for a Lua match: the Lua state itself stays inside the match's VM. */
export interface LuaMatchState {
  /** Registry ref of the Lua state value (-1 before init). */
  ref: number;
}

const MATCH_CALLER: Caller = Object.freeze({ kind: 'system', origin: 'lua', actor: 'match' }) as Caller;

/**
 * A Lua match module behind the rooms engine's MatchHandler interface. Each room gets its own
 * handler and its own VM (loaded from the generation current at creation: a reload does not
 * change running matches). The Lua state never leaves the VM; the room holds a reference.
 *
 * Lua callbacks (Nakama-shaped):
 *   match_init(ctx, params) -> {state=, tick_rate=, label=}
 *   match_join_attempt(ctx, state, presence, metadata) -> state, accept, reason
 *   match_join(ctx, state, presence) -> state
 *   match_leave(ctx, state, presence, reason) -> state
 *   match_loop(ctx, state, tick, messages) -> state (nil ends the match)
 *   match_terminate(ctx, state, grace_seconds) -> state
 *   match_signal(ctx, state, data) -> state, data
 * `ctx.dispatcher` has broadcast(op, data, targets?, delivery?), send(m, op, data, delivery?),
 * kick(m), label_update(label), end_match(). presence = {m, user_id, username, session_id};
 * message = {sender = presence, op_code, data, delivery, targets, received_at}.
 */
export class LuaMatchHandler implements MatchHandler<LuaMatchState> {
  #svm?: ScriptVm;
  #moduleRef = -1;
  #ctxRef = -1;
  #room?: MatchContext;

  constructor(
    private readonly runtime: ScriptingRuntime,
    readonly module: string,
  ) {}

  async init(ctx: MatchContext, params: Record<string, unknown>): Promise<MatchInit<LuaMatchState>> {
    const generation = this.runtime.generation;
    if (!generation) throw KaosError.unavailable('Lua runtime is not started');
    const svm = await generation.newVm();
    svm.vm.limits.instructionLimit = this.runtime.options.matchInstructionLimit;
    this.#svm = svm;
    this.#room = ctx;
    const entry = svm.registrations.matches.get(this.module);
    if (!entry) throw KaosError.notFound(`Lua match module "${this.module}" not found`);
    this.#moduleRef = entry.ref;
    this.#ctxRef = this.#buildCtx(ctx);
    const fn = this.#fn('match_init');
    if (fn < 0) throw KaosError.internal(new Error(`${this.module}.match_init missing`));
    try {
      return await svm.vm.call(
        fn,
        (L) => {
          lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#ctxRef);
          svm.vm.push(L, params);
          return 2;
        },
        (L, n) => {
          if (n < 1 || lua.lua_type(L, 1) !== lua.LUA_TTABLE) luaFail('match_init must return {state=, tick_rate=, label=}');
          lua.lua_getfield(L, 1, toLuaString('state'));
          const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
          lua.lua_getfield(L, 1, toLuaString('tick_rate'));
          const tickRate = lua.lua_isnumber(L, -1) ? Number(lua.lua_tonumber(L, -1)) : undefined;
          lua.lua_getfield(L, 1, toLuaString('label'));
          const label = lua.lua_type(L, -1) === lua.LUA_TSTRING ? decodeLuaString(lua.lua_tolstring(L, -1)) : undefined;
          return { state: { ref }, tickRate, label };
        },
        MATCH_CALLER,
        `match_init ${this.module}`,
      );
    } catch (error) {
      this.runtime.report(error);
      throw error;
    } finally {
      lua.lua_settop(svm.vm.L, 0);
    }
  }

  joinAttempt(ctx: MatchContext, state: LuaMatchState, presence: MatchPresence, metadata: Record<string, unknown>): MatchJoinDecision<LuaMatchState> {
    const fn = this.#fn('match_join_attempt');
    if (fn < 0) return { state, accept: true };
    return this.#callSync(ctx, fn, 'match_join_attempt', state, (L) => (pushPresence(L, presence), this.#svm!.vm.push(L, metadata), 2), (L, n, next) => {
      const accept = n < 2 || lua.lua_toboolean(L, 2);
      const reason = n >= 3 && lua.lua_type(L, 3) === lua.LUA_TSTRING ? decodeLuaString(lua.lua_tolstring(L, 3)) : undefined;
      return { state: next, accept, reason };
    });
  }

  join(ctx: MatchContext, state: LuaMatchState, presence: MatchPresence): LuaMatchState {
    const fn = this.#fn('match_join');
    if (fn < 0) return state;
    return this.#callSync(ctx, fn, 'match_join', state, (L) => (pushPresence(L, presence), 1), (_L, _n, next) => next);
  }

  leave(ctx: MatchContext, state: LuaMatchState, presence: MatchPresence, reason: MatchLeaveReason): LuaMatchState {
    const fn = this.#fn('match_leave');
    if (fn < 0) return state;
    return this.#callSync(ctx, fn, 'match_leave', state, (L) => (pushPresence(L, presence), lua.lua_pushstring(L, toLuaString(reason)), 2), (_L, _n, next) => next);
  }

  loop(ctx: MatchContext, state: LuaMatchState, tick: number, messages: readonly MatchMessage[]): LuaMatchState | null {
    const fn = this.#fn('match_loop');
    const next = this.#callSync(ctx, fn, 'match_loop', state, (L) => {
      lua.lua_pushnumber(L, tick);
      lua.lua_createtable(L, messages.length, 0);
      for (let i = 0; i < messages.length; i++) {
        const msg = messages[i]!;
        lua.lua_createtable(L, 0, 6);
        pushPresence(L, msg.sender);
        lua.lua_setfield(L, -2, toLuaString('sender'));
        lua.lua_pushnumber(L, msg.gameOp);
        lua.lua_setfield(L, -2, toLuaString('op_code'));
        lua.lua_pushlstring(L, msg.data, msg.data.length);
        lua.lua_setfield(L, -2, toLuaString('data'));
        lua.lua_pushnumber(L, msg.delivery);
        lua.lua_setfield(L, -2, toLuaString('delivery'));
        this.#svm!.vm.push(L, msg.targets);
        lua.lua_setfield(L, -2, toLuaString('targets'));
        lua.lua_pushnumber(L, msg.receivedAt);
        lua.lua_setfield(L, -2, toLuaString('received_at'));
        lua.lua_rawseti(L, -2, i + 1);
      }
      return 2;
    }, (_L, _n, next) => next, true);
    return next.ref < 0 ? null : next;
  }

  terminate(ctx: MatchContext, state: LuaMatchState, graceSeconds: number): LuaMatchState {
    const fn = this.#fn('match_terminate');
    if (fn < 0) return state;
    return this.#callSync(ctx, fn, 'match_terminate', state, (L) => (lua.lua_pushnumber(L, graceSeconds), 1), (_L, _n, next) => next);
  }

  signal(ctx: MatchContext, state: LuaMatchState, data: string): { state: LuaMatchState; data?: string } {
    const fn = this.#fn('match_signal');
    if (fn < 0) return { state };
    return this.#callSync(ctx, fn, 'match_signal', state, (L) => (lua.lua_pushstring(L, toLuaString(data)), 1), (L, n, next) => ({
      state: next,
      data: n >= 2 && lua.lua_type(L, 2) === lua.LUA_TSTRING ? decodeLuaString(lua.lua_tolstring(L, 2)) : undefined,
    }));
  }

  inspect(state: LuaMatchState): unknown {
    const vm = this.#svm?.vm;
    if (!vm || state.ref < 0) return null;
    lua.lua_rawgeti(vm.L, lua.LUA_REGISTRYINDEX, state.ref);
    try {
      return vm.read(vm.L, -1);
    } catch (error) {
      return { error: (error as Error).message };
    } finally {
      lua.lua_pop(vm.L, 1);
    }
  }

  /** Calls a callback with (ctx, state, ...args); its first result is the new state (kept in the VM). */
  #callSync<T>(room: MatchContext, fn: number, name: string, state: LuaMatchState, pushArgs: (L: LuaState) => number, read: (L: LuaState, n: number, next: LuaMatchState) => T, nilEnds = false): T {
    const svm = this.#svm;
    if (!svm) throw KaosError.internal(new Error('Lua match used before init'));
    this.#room = room;
    const vm = svm.vm;
    const L = vm.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#ctxRef);
    lua.lua_pushnumber(L, room.tick);
    lua.lua_setfield(L, -2, toLuaString('tick'));
    lua.lua_pushstring(L, toLuaString(room.label));
    lua.lua_setfield(L, -2, toLuaString('label'));
    // The tick rate is only known once match_init has answered.
    lua.lua_pushnumber(L, room.tickRate);
    lua.lua_setfield(L, -2, toLuaString('tick_rate'));
    lua.lua_pop(L, 1);
    try {
      return vm.callSync(
        fn,
        (T) => {
          lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.#ctxRef);
          lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, state.ref);
          return 2 + pushArgs(T);
        },
        (T, n) => {
          let next = state;
          if (n < 1 || lua.lua_isnil(T, 1)) {
            if (nilEnds) {
              vm.unref(state.ref);
              next = { ref: -1 };
            }
          } else {
            lua.lua_pushvalue(T, 1);
            const ref = lauxlib.luaL_ref(T, lua.LUA_REGISTRYINDEX);
            vm.unref(state.ref);
            next = { ref };
          }
          return read(T, n, next);
        },
        MATCH_CALLER,
        `${name} ${this.module}`,
      );
    } catch (error) {
      this.runtime.report(error);
      throw error;
    }
  }

  /** Registry ref of module[name], or -1 (cached per name). */
  readonly #fns = new Map<string, number>();
  #fn(name: string): number {
    const cached = this.#fns.get(name);
    if (cached !== undefined) return cached;
    const vm = this.#svm?.vm;
    if (!vm) return -1;
    lua.lua_rawgeti(vm.L, lua.LUA_REGISTRYINDEX, this.#moduleRef);
    lua.lua_getfield(vm.L, -1, toLuaString(name));
    let ref = -1;
    if (lua.lua_type(vm.L, -1) === lua.LUA_TFUNCTION) ref = vm.ref();
    else lua.lua_pop(vm.L, 1);
    lua.lua_pop(vm.L, 1);
    this.#fns.set(name, ref);
    return ref;
  }

  /** The ctx table of this room, with its dispatcher, built once. */
  #buildCtx(room: MatchContext): number {
    const vm = this.#svm!.vm;
    const L = vm.L;
    vm.push(L, { match_id: room.roomId, module: room.module, tick_rate: room.tickRate, label: room.label, max_players: room.maxPlayers, tick: 0, origin: 'server' });
    lua.lua_createtable(L, 0, 5);
    const fn = (name: string, f: (L: LuaState) => number) => {
      lua.lua_pushcfunction(L, f);
      lua.lua_setfield(L, -2, toLuaString(name));
    };
    const bytes = (Ls: LuaState, i: number): Uint8Array => Uint8Array.from(lauxlib.luaL_checklstring(Ls, i));
    const delivery = (Ls: LuaState, i: number) => (lua.lua_isnoneornil(Ls, i) ? undefined : { delivery: Number(lauxlib.luaL_checknumber(Ls, i)) as 0 | 1 | 2 | 3 });
    fn('broadcast', (Ls) => {
      const op = Number(lauxlib.luaL_checknumber(Ls, 1));
      const data = bytes(Ls, 2);
      const to = lua.lua_type(Ls, 3) === lua.LUA_TTABLE ? (vm.read(Ls, 3) as number[]) : null;
      this.#room?.broadcast(op, data, to, delivery(Ls, 4));
      return 0;
    });
    fn('send', (Ls) => {
      this.#room?.send(Number(lauxlib.luaL_checknumber(Ls, 1)), Number(lauxlib.luaL_checknumber(Ls, 2)), bytes(Ls, 3), delivery(Ls, 4));
      return 0;
    });
    fn('kick', (Ls) => (this.#room?.kick(Number(lauxlib.luaL_checknumber(Ls, 1))), 0));
    fn('label_update', (Ls) => {
      const label = decodeLuaString(lauxlib.luaL_checklstring(Ls, 1));
      if (label.length > 128) return luaRunError(Ls, 'label longer than 128 characters');
      this.#room?.updateLabel(label);
      return 0;
    });
    fn('end_match', () => (this.#room?.end(), 0));
    lua.lua_setfield(L, -2, toLuaString('dispatcher'));
    return vm.ref();
  }
}

function pushPresence(L: LuaState, p: MatchPresence): void {
  lua.lua_createtable(L, 0, 4);
  lua.lua_pushnumber(L, p.m);
  lua.lua_setfield(L, -2, toLuaString('m'));
  lua.lua_pushstring(L, toLuaString(p.userId));
  lua.lua_setfield(L, -2, toLuaString('user_id'));
  if (p.username !== undefined) {
    lua.lua_pushstring(L, toLuaString(p.username));
    lua.lua_setfield(L, -2, toLuaString('username'));
  }
  lua.lua_pushstring(L, toLuaString(p.sessionId));
  lua.lua_setfield(L, -2, toLuaString('session_id'));
}

function luaFail(message: string): never {
  throw KaosError.badRequest(message);
}
