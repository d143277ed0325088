import { KaosError, SYSTEM_CALLER } from '@kaosnet/common';
import { lua, toLuaString } from '../vm/fengari.js';
import { LuaVm, type LuaVmLimits } from '../vm/lua-vm.js';
import { ScriptFailure } from '../vm/lua-errors.js';
import { installKaosModule, Registrations, type KaosModuleHost } from './kaos-module.js';
import type { ScriptSet } from './script-set.js';

/** A VM with everything its scripts registered. */
export interface ScriptVm {
  vm: LuaVm;
  registrations: Registrations;
  generation: Generation;
}

/** What a generation's scripts registered (names only: refs are per VM). */
export interface RuntimeSummary {
  rpcs: { id: string; script?: string }[];
  before: { operation: string; script?: string }[];
  after: { operation: string; script?: string }[];
  matches: { name: string; script?: string }[];
}

/**
 * One loaded version of the scripts: its ScriptSet, what they register, and a pool of VMs that
 * all loaded them. A reload builds a new Generation and swaps it in; the old one finishes what it
 * is running and is dropped.
 */
export class Generation {
  readonly summary: RuntimeSummary;
  readonly #idle: ScriptVm[] = [];
  readonly #waiters: ((vm: ScriptVm) => void)[] = [];
  #size = 0;
  #retired = false;

  private constructor(
    readonly version: number,
    readonly scripts: ScriptSet,
    readonly loadedAt: number,
    private readonly limits: Partial<LuaVmLimits>,
    private readonly host: KaosModuleHost,
    private readonly poolSize: number,
    private readonly maxWaiters: number,
    first: ScriptVm | undefined,
  ) {
    const r = first?.registrations ?? new Registrations();
    const list = <K extends string>(m: Map<K, { script?: string }>) => [...m.entries()].map(([k, v]) => ({ k, script: v.script })).sort((a, b) => (a.k < b.k ? -1 : 1));
    this.summary = {
      rpcs: list(r.rpcs).map(({ k, script }) => ({ id: k, script })),
      before: list(r.before).map(({ k, script }) => ({ operation: k, script })),
      after: list(r.after).map(({ k, script }) => ({ operation: k, script })),
      matches: list(r.matches).map(({ k, script }) => ({ name: k, script })),
    };
    if (first) {
      first.generation = this;
      this.#idle.push(first);
      this.#size = 1;
    }
  }

  /** Loads `scripts` into a first VM; throws the load's ScriptFailure (nothing is swapped then). */
  static async load(version: number, scripts: ScriptSet, limits: Partial<LuaVmLimits>, host: KaosModuleHost, poolSize: number, maxWaiters: number): Promise<Generation> {
    const first = scripts.files.size ? await loadVm(scripts, limits, host) : undefined;
    return new Generation(version, scripts, Date.now(), limits, host, poolSize, maxWaiters, first);
  }

  hasRpc(id: string): boolean {
    return this.summary.rpcs.some((r) => r.id === id);
  }

  hasBefore(op: string): boolean {
    return this.summary.before.some((h) => h.operation === op);
  }

  hasAfter(op: string): boolean {
    return this.summary.after.some((h) => h.operation === op);
  }

  get poolStats(): { size: number; idle: number; waiting: number; max: number } {
    return { size: this.#size, idle: this.#idle.length, waiting: this.#waiters.length, max: this.poolSize };
  }

  /** A fresh VM with the scripts loaded (for one match's lifetime). */
  async newVm(): Promise<ScriptVm> {
    const svm = await loadVm(this.scripts, this.limits, this.host);
    svm.generation = this;
    return svm;
  }

  /** An idle pooled VM, a new one while under the pool size, or a wait in line. */
  async acquire(): Promise<ScriptVm> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#size < this.poolSize) {
      this.#size++;
      try {
        return await this.newVm();
      } catch (error) {
        this.#size--;
        throw error;
      }
    }
    if (this.#waiters.length >= this.maxWaiters) throw KaosError.unavailable('Lua runtime is saturated', { reason: 'LUA_POOL_FULL' });
    return new Promise<ScriptVm>((resolve) => this.#waiters.push(resolve));
  }

  /** Returns a VM. A VM stopped by a limit may hold half-built garbage: it is replaced. */
  release(svm: ScriptVm, healthy: boolean): void {
    if (!healthy || this.#retired) {
      svm.vm.close();
      this.#size--;
      const waiter = this.#waiters.shift();
      if (waiter && !this.#retired) {
        this.#size++;
        this.newVm().then(waiter, () => {
          this.#size--;
        });
      }
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter(svm);
    else this.#idle.push(svm);
  }

  /** Swapped out: idle VMs close now, busy ones when released. */
  retire(): void {
    this.#retired = true;
    for (const svm of this.#idle.splice(0)) svm.vm.close();
  }
}

async function loadVm(scripts: ScriptSet, limits: Partial<LuaVmLimits>, host: KaosModuleHost): Promise<ScriptVm> {
  const vm = new LuaVm(limits);
  vm.onPrint = (line) => host.log('info', line);
  const registrations = new Registrations();
  const state = { loading: true };
  installKaosModule(vm, { ...host, modules: scripts.byModule }, registrations, state);
  try {
    const L = vm.L;
    lua.lua_getglobal(L, toLuaString('require'));
    const requireRef = vm.ref();
    for (const file of scripts.files.values()) {
      // The module's value stays in Lua (it may hold functions): read nothing back.
      await vm.call(requireRef, (T) => (vm.push(T, file.module), 1), () => undefined, SYSTEM_CALLER, `load ${file.file}`);
      // A module returning a table with match_init and match_loop is a match module of that name.
      lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, toLuaString('kaos.loaded'));
      lua.lua_getfield(L, -1, toLuaString(file.module));
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE && !registrations.matches.has(file.module) && isMatchModule(L)) {
        lua.lua_pushvalue(L, -1);
        registrations.matches.set(file.module, { ref: vm.ref(), script: file.file });
      }
      lua.lua_pop(L, 2);
    }
    vm.unref(requireRef);
    state.loading = false;
    return { vm, registrations, generation: undefined as never };
  } catch (error) {
    vm.close();
    throw error instanceof ScriptFailure || error instanceof KaosError ? error : KaosError.internal(error);
  }
}

function isMatchModule(L: unknown): boolean {
  const has = (name: string) => {
    lua.lua_getfield(L, -1, toLuaString(name));
    const ok = lua.lua_type(L, -1) === lua.LUA_TFUNCTION;
    lua.lua_pop(L, 1);
    return ok;
  };
  return has('match_init') && has('match_loop');
}
