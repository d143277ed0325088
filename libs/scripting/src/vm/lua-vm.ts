import { performance } from 'node:perf_hooks';
import { SYSTEM_CALLER, type Caller } from '@kaosnet/common';
import { assertPatched, lauxlib, lua, luaRunError, setStringCap, toLuaString, type LuaState } from './fengari.js';
import { DEFAULT_MARSHAL_LIMITS, pushValue, readValue, type MarshalLimits, type PlainValue } from './lua-marshal.js';
import { ScriptFailure, failureFromLua } from './lua-errors.js';
import { installSandbox } from './lua-sandbox.js';

/** Per-VM limits. Every invocation (RPC, hook, match callback, script load) gets a fresh budget. */
export interface LuaVmLimits {
  /**
   * Lua VM instructions one invocation may execute (default 10,000,000, about 0.3 s of fengari).
   * Pcall-proof: once spent, every further instruction raises.
   */
  instructionLimit: number;
  /** Wall-clock watchdog for one invocation, host waits included (default 2,000 ms). */
  timeoutMs: number;
  /** Largest string a script may build, by any means (default 1 MiB). */
  maxStringBytes: number;
  /**
   * Safety net for what no cap sees (table bombs): JS heap + array-buffer growth during one
   * invocation, sampled every 100 hook calls (default 256 MiB).
   */
  maxMemoryGrowthBytes: number;
  /**
   * Worst-case cost (subject length ^ (quantifiers + 1)) above which string.find/match/gmatch/gsub
   * refuse to run (default 1e8): Lua patterns backtrack in JS where the hook cannot stop them.
   */
  patternCostLimit: number;
  /** What crosses the bridge in one value. */
  marshal: MarshalLimits;
}

export const DEFAULT_VM_LIMITS: LuaVmLimits = {
  instructionLimit: 10_000_000,
  timeoutMs: 2_000,
  maxStringBytes: 1 << 20,
  maxMemoryGrowthBytes: 256 << 20,
  patternCostLimit: 1e8,
  marshal: DEFAULT_MARSHAL_LIMITS,
};

/** Instructions between two hook calls (the budget's granularity). */
const HOOK_INTERVAL = 1_000;
const MEMORY_SAMPLE_EVERY = 100;

/** What a running invocation knows: who called, and what the script may be waiting for. */
export interface Invocation {
  readonly caller: Caller;
  /** e.g. `rpc purchase_item`, for error reports. */
  readonly label: string;
  readonly thread: LuaState;
  /** Synchronous callers (match callbacks) cannot wait for the host. */
  readonly sync: boolean;
  pending?: Promise<unknown>;
  pendingPush?: (L: LuaState, value: unknown) => number;
  outcome?: { ok: true; value: unknown; push: (L: LuaState, value: unknown) => number } | { ok: false; error: unknown };
}

/** A host function callable from Lua: reads its arguments from L, returns the number of results. */
export type LuaHostFunction = (L: LuaState, vm: LuaVm) => number;

/**
 * One sandboxed Lua state (see lua-sandbox.ts for what a script can reach). A VM runs one
 * invocation at a time: callers hold it exclusively (VmPool, or a match owning its VM).
 * Each invocation runs in a fresh coroutine so host calls can await: a binding starts a Promise
 * and yields; `invoke` awaits it and resumes the coroutine with the result.
 */
export class LuaVm {
  readonly L: LuaState;
  readonly limits: LuaVmLimits;
  /** Where `print` goes (set by the runtime to its logger). */
  onPrint?: (line: string) => void;
  #current?: Invocation;
  #spare?: { thread: LuaState; ref: number };
  #remaining = 0;
  #deadline = 0;
  #exhausted: string | undefined;
  #hookCalls = 0;
  #memoryBase = -1;
  #closed = false;
  readonly #hook: (L: LuaState) => void;

  constructor(limits: Partial<LuaVmLimits> = {}) {
    assertPatched();
    this.limits = { ...DEFAULT_VM_LIMITS, ...limits, marshal: { ...DEFAULT_VM_LIMITS.marshal, ...(limits.marshal ?? {}) } };
    this.limits.marshal.maxStringBytes = Math.min(this.limits.marshal.maxStringBytes, this.limits.maxStringBytes);
    const L = lauxlib.luaL_newstate();
    if (!L) throw new Error('could not create a Lua state');
    this.L = L;
    setStringCap(L, this.limits.maxStringBytes);
    installSandbox(this);
    this.#hook = (Lh: LuaState) => this.#onHook(Lh);
    // Threads created later (invocations, script coroutines) inherit the hook from the main state.
    lua.lua_sethook(L, this.#hook, lua.LUA_MASKCOUNT, HOOK_INTERVAL);
  }

  /** The invocation now running (bindings read the caller from it). */
  get current(): Invocation | undefined {
    return this.#current;
  }

  get busy(): boolean {
    return this.#current !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a host function as a global or as a field of the table on top of the stack. */
  pushFunction(fn: LuaHostFunction): void {
    lua.lua_pushcfunction(this.L, (L: LuaState) => fn(L, this));
  }

  /** Plain data in. */
  push(L: LuaState, value: unknown): void {
    pushValue(L, value, this.limits.marshal);
  }

  /** Plain data out. */
  read(L: LuaState, index: number): PlainValue {
    return readValue(L, index, this.limits.marshal);
  }

  /**
   * From inside a host function: suspend the script until `work` settles, then hand the result
   * to Lua through `push` (or raise the error as a Lua error table {message, code}).
   */
  awaitHost<T>(L: LuaState, name: string, work: () => Promise<T>, push: (L: LuaState, value: T) => number): number {
    const inv = this.#current;
    if (inv?.sync) return luaRunError(L, `${name} waits for the server and is not available in match callbacks other than match_init`);
    if (!inv || L !== inv.thread || !lua.lua_isyieldable(L)) {
      return luaRunError(L, `${name} cannot be called from a coroutine, a metamethod or a callback of a library function`);
    }
    inv.pending = work();
    inv.pendingPush = push as (L: LuaState, value: unknown) => number;
    // Avoid an unhandled rejection while the invocation loop has not awaited it yet.
    inv.pending.catch(() => undefined);
    inv.outcome = undefined;
    return lua.lua_yieldk(L, 0, 0, this.#resumeHost as never);
  }

  readonly #resumeHost = (L: LuaState): number => {
    const outcome = this.#current?.outcome;
    if (this.#current) this.#current.outcome = undefined;
    if (!outcome) return luaRunError(L, 'host call resumed without a result');
    if (!outcome.ok) {
      pushErrorValue(L, outcome.error, this);
      return lua.lua_error(L);
    }
    return outcome.push(L, outcome.value);
  };

  /**
   * Runs the function referenced by `ref` (registry reference) with `args`, under a fresh budget,
   * and returns its results as plain data. Script errors become a ScriptFailure (KaosError) naming
   * script and line; the VM stays usable.
   */
  async invoke(ref: number, args: unknown[], caller: Caller = SYSTEM_CALLER, label = 'call'): Promise<PlainValue[]> {
    return this.call(ref, (L) => this.#pushAll(L, args), (L, n) => this.#readAll(L, n), caller, label);
  }

  /** invoke() with custom argument pushing and result reading (values that stay inside Lua). */
  async call<T>(ref: number, pushArgs: (L: LuaState) => number, readResults: (L: LuaState, n: number) => T, caller: Caller, label: string): Promise<T> {
    const run = this.#begin(ref, pushArgs, caller, label, false);
    let ok = false;
    try {
      let status = run.status;
      while (status === lua.LUA_YIELD) {
        const inv = run.inv;
        const pending = inv.pending;
        const push = inv.pendingPush ?? ((Lp: LuaState, v: unknown) => (this.push(Lp, v), 1));
        inv.pending = undefined;
        inv.pendingPush = undefined;
        if (!pending) {
          status = this.#fail(run.thread, 'coroutine.yield outside a coroutine');
          break;
        }
        try {
          inv.outcome = { ok: true, value: await pending, push };
        } catch (error) {
          inv.outcome = { ok: false, error };
        }
        this.#current = inv;
        if (performance.now() > this.#deadline) this.#exhaust(`timed out after ${this.limits.timeoutMs} ms`);
        status = lua.lua_resume(run.thread, null, 0);
      }
      const out = this.#finish(run.thread, status, readResults, label);
      ok = true;
      return out;
    } finally {
      this.#end(run.thread, run.threadRef, ok && lua.lua_status(run.thread) === lua.LUA_OK);
    }
  }

  /**
   * Synchronous call (match callbacks run inside a tick): a script that reaches for an
   * asynchronous binding gets a Lua error instead of a yield.
   */
  callSync<T>(ref: number, pushArgs: (L: LuaState) => number, readResults: (L: LuaState, n: number) => T, caller: Caller, label: string): T {
    const run = this.#begin(ref, pushArgs, caller, label, true);
    let ok = false;
    try {
      let status = run.status;
      if (status === lua.LUA_YIELD) status = this.#fail(run.thread, 'coroutine.yield outside a coroutine');
      const out = this.#finish(run.thread, status, readResults, label);
      ok = true;
      return out;
    } finally {
      this.#end(run.thread, run.threadRef, ok && lua.lua_status(run.thread) === lua.LUA_OK);
    }
  }

  #begin(ref: number, pushArgs: (L: LuaState) => number, caller: Caller, label: string, sync: boolean) {
    if (this.#closed) throw new Error('Lua VM is closed');
    if (this.#current) throw new Error(`Lua VM is busy with ${this.#current.label}`);
    const L = this.L;
    // A coroutine that finished normally can run the next call (creating one costs ~10 µs).
    let thread: LuaState;
    let threadRef: number;
    if (this.#spare) {
      ({ thread, ref: threadRef } = this.#spare);
      this.#spare = undefined;
    } else {
      thread = lua.lua_newthread(L);
      threadRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    }
    const inv: Invocation = { caller, label, thread, sync };
    this.#current = inv;
    this.#startBudget();
    lua.lua_rawgeti(thread, lua.LUA_REGISTRYINDEX, ref);
    let nargs: number;
    try {
      nargs = pushArgs(thread);
    } catch (error) {
      this.#end(thread, threadRef, false);
      throw failureFromLua(error, label);
    }
    const status = lua.lua_resume(thread, null, nargs) as number;
    return { inv, thread, threadRef, status };
  }

  #fail(thread: LuaState, message: string): number {
    lua.lua_settop(thread, 0);
    lua.lua_pushstring(thread, toLuaString(message));
    return lua.LUA_ERRRUN;
  }

  #finish<T>(thread: LuaState, status: number, readResults: (L: LuaState, n: number) => T, label: string): T {
    if (status !== lua.LUA_OK) throw failureFromLua(new ScriptFailureMarker(thread, this.L), label, this.#exhausted);
    try {
      return readResults(thread, lua.lua_gettop(thread));
    } catch (error) {
      throw failureFromLua(error, label);
    }
  }

  #end(thread: LuaState, threadRef: number, finishedOk: boolean): void {
    this.#current = undefined;
    this.#exhausted = undefined;
    this.#memoryBase = -1;
    if (this.#closed) return;
    if (finishedOk && !this.#spare) {
      lua.lua_settop(thread, 0);
      this.#spare = { thread, ref: threadRef };
    } else {
      lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, threadRef);
    }
  }

  #pushAll(L: LuaState, args: unknown[]): number {
    for (const a of args) this.push(L, a);
    return args.length;
  }

  #readAll(L: LuaState, n: number): PlainValue[] {
    const out: PlainValue[] = [];
    for (let i = 1; i <= n; i++) out.push(this.read(L, i));
    return out;
  }

  /** Loads a chunk (text only) and leaves its function in the registry; returns the ref. */
  compile(source: string | Uint8Array, chunkName: string): number {
    const bytes = typeof source === 'string' ? toLuaString(source) : source;
    const status = lauxlib.luaL_loadbufferx(this.L, bytes, bytes.length, toLuaString(`=${chunkName}`), toLuaString('t'));
    if (status !== lua.LUA_OK) {
      const failure = failureFromLua(new ScriptFailureMarker(this.L, this.L), `load ${chunkName}`);
      lua.lua_pop(this.L, 1);
      throw failure;
    }
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  /** Keeps the value on top of the main stack alive under a registry reference (pops it). */
  ref(): number {
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  unref(ref: number): void {
    if (!this.#closed) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    lua.lua_close(this.L);
  }

  // ---- budget ---------------------------------------------------------------------------------

  #startBudget(): void {
    this.#remaining = this.limits.instructionLimit;
    this.#deadline = performance.now() + this.limits.timeoutMs;
    this.#exhausted = undefined;
    this.#hookCalls = 0;
    this.#memoryBase = -1;
  }

  #exhaust(reason: string): void {
    this.#exhausted ??= reason;
  }

  #onHook(L: LuaState): void {
    if (this.#exhausted === undefined) {
      this.#remaining -= lua.lua_gethookcount(L);
      if (this.#remaining <= 0) this.#exhaust(`instruction budget of ${this.limits.instructionLimit} exceeded`);
      else if (performance.now() > this.#deadline) this.#exhaust(`timed out after ${this.limits.timeoutMs} ms`);
      else if (++this.#hookCalls % MEMORY_SAMPLE_EVERY === 0) this.#checkMemory();
    }
    if (this.#exhausted !== undefined || this.#current === undefined) {
      // From now on every instruction of this thread raises: a script's own pcall cannot
      // swallow the error and carry on.
      lua.lua_sethook(L, this.#hook, lua.LUA_MASKCOUNT, 1);
      // luaD_hook turned hooks off while this hook runs and only turns them back on when it
      // returns. Raising from here skips that, so an xpcall message handler would run with no
      // hook at all (`xpcall(f, function() while true do end end)` spun forever). Re-enable first.
      L.allowhook = 1;
      luaRunError(L, this.#exhausted ?? 'no invocation is running');
    }
    // A coroutine re-armed by an earlier, exhausted invocation gets a normal interval back.
    if (lua.lua_gethookcount(L) !== HOOK_INTERVAL) lua.lua_sethook(L, this.#hook, lua.LUA_MASKCOUNT, HOOK_INTERVAL);
  }

  #checkMemory(): void {
    const m = process.memoryUsage();
    const used = m.heapUsed + m.arrayBuffers;
    if (this.#memoryBase < 0) this.#memoryBase = used;
    else if (used - this.#memoryBase > this.limits.maxMemoryGrowthBytes) this.#exhaust(`memory limit: grew by more than ${this.limits.maxMemoryGrowthBytes} bytes`);
  }
}

/** The failed thread whose stack (error value + frames) describes the failure. */
export class ScriptFailureMarker {
  constructor(
    readonly thread: LuaState,
    readonly main: LuaState,
  ) {}
}

/** A host error as the Lua error value {message, code} (the one-error-type rule). */
export function pushErrorValue(L: LuaState, error: unknown, vm: LuaVm): void {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'INTERNAL';
  const message = code === 'INTERNAL' ? 'Internal error' : typeof e?.message === 'string' ? e.message : String(error);
  lua.lua_createtable(L, 0, 2);
  vm.push(L, message);
  lua.lua_setfield(L, -2, toLuaString('message'));
  vm.push(L, code);
  lua.lua_setfield(L, -2, toLuaString('code'));
}

export { ScriptFailure };
