import type { KaosConfig } from '@kaosnet/common';
import type { LuaVmLimits } from './vm/lua-vm.js';

/**
 * Lua runtime options. Set them with the builder (`.with({ scripting: { poolSize: 16 } })`) or the
 * environment: KAOS_LUA_POOL_SIZE, KAOS_LUA_INSTRUCTION_LIMIT, KAOS_LUA_TIMEOUT_MS,
 * KAOS_LUA_MATCH_INSTRUCTION_LIMIT, KAOS_LUA_WATCH (1/true). The scripts folder is KAOS_LUA_DIR /
 * `luaScripts(dir)`.
 */
export interface ScriptingOptions {
  /** VMs shared by RPCs and hooks (default 8). Each match has its own VM on top of these. */
  poolSize: number;
  /** Calls waiting for a pooled VM before UNAVAILABLE (default 1,000). */
  maxQueued: number;
  /** Reload when a file in the scripts folder changes (default false). */
  watch: boolean;
  /** Limits of every VM (instruction budget, watchdog, sizes); see LuaVmLimits for defaults. */
  vm: Partial<LuaVmLimits>;
  /** Instruction budget of one match callback (default 1,000,000: a tick must stay short). */
  matchInstructionLimit: number;
  /** Largest RPC payload in and out, bytes (default 65,535 as on KaosTalk). */
  maxPayloadBytes: number;
}

export const DEFAULT_SCRIPTING_OPTIONS: ScriptingOptions = {
  poolSize: 8,
  maxQueued: 1000,
  watch: false,
  vm: {},
  matchInstructionLimit: 1_000_000,
  maxPayloadBytes: 65_535,
};

export const SCRIPTING_OPTIONS = Symbol.for('kaosnet.scripting.options');

/** The `scripting` key of the server configuration (kept loose: common does not know scripting). */
export type ConfigWithScripting = KaosConfig & { scripting?: Partial<ScriptingOptions> };

export function scriptingOptionsFrom(config: KaosConfig, env: Record<string, string | undefined> = process.env): ScriptingOptions {
  const fromConfig = (config as ConfigWithScripting).scripting ?? {};
  const num = (key: string): number | undefined => {
    const v = env[key];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`Invalid configuration ${key}: must be a positive number`);
    return n;
  };
  const vm: Partial<LuaVmLimits> = { ...(fromConfig.vm ?? {}) };
  vm.instructionLimit ??= num('KAOS_LUA_INSTRUCTION_LIMIT');
  vm.timeoutMs ??= num('KAOS_LUA_TIMEOUT_MS');
  for (const k of Object.keys(vm) as (keyof LuaVmLimits)[]) if (vm[k] === undefined) delete vm[k];
  const watchEnv = env['KAOS_LUA_WATCH'];
  return {
    ...DEFAULT_SCRIPTING_OPTIONS,
    ...fromConfig,
    poolSize: fromConfig.poolSize ?? num('KAOS_LUA_POOL_SIZE') ?? DEFAULT_SCRIPTING_OPTIONS.poolSize,
    matchInstructionLimit: fromConfig.matchInstructionLimit ?? num('KAOS_LUA_MATCH_INSTRUCTION_LIMIT') ?? DEFAULT_SCRIPTING_OPTIONS.matchInstructionLimit,
    watch: fromConfig.watch ?? (watchEnv === '1' || watchEnv === 'true'),
    vm,
  };
}
