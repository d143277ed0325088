import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { KAOS_CONFIG, KaosError, type Caller, type KaosConfig } from '@kaosnet/common';
import { MatchRegistry } from '@kaosnet/rooms';
import { LuaBindingRegistry } from '../bindings/lua-binding.registry.js';
import type { HookOperation } from '../hooks/hook-operations.js';
import { LuaMatchHandler } from '../match/lua-match-handler.js';
import { SCRIPTING_OPTIONS, type ScriptingOptions } from '../scripting.options.js';
import { ScriptFailure } from '../vm/lua-errors.js';
import type { PlainValue } from '../vm/lua-marshal.js';
import { Generation, type ScriptVm } from './generation.js';
import type { KaosModuleHost } from './kaos-module.js';
import { ScriptSet } from './script-set.js';

export interface ReloadResult {
  ok: boolean;
  version: number;
  /** The failure that kept the previous version running. */
  error?: ReturnType<ScriptFailure['toReport']> | { message: string };
}

/** Lua's view of the caller (`ctx` in every callback). */
export function luaContext(caller: Caller, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (caller.kind === 'user') {
    return { user_id: caller.userId, username: caller.username ?? null, vars: caller.vars ?? {}, session_id: caller.sessionId ?? null, origin: caller.origin, ...extra };
  }
  return { user_id: null, username: null, vars: {}, session_id: null, origin: caller.origin, ...extra };
}

/**
 * The Lua runtime: the current generation of scripts (a VM pool), reloads that swap generations
 * atomically, and the entry points other parts use (RPCs, hooks, match modules).
 */
@Injectable()
export class ScriptingRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  readonly #logger = new Logger('Lua');
  #generation?: Generation;
  #version = 0;
  #reloading?: Promise<ReloadResult>;
  #lastReload?: ReloadResult & { at: number };
  #watcher?: FSWatcher;
  #watchTimer?: NodeJS.Timeout;
  readonly #recentErrors: (ReturnType<ScriptFailure['toReport']> & { at: number })[] = [];
  #matches?: MatchRegistry;
  readonly #ownMatchNames = new Set<string>();

  constructor(
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
    @Inject(SCRIPTING_OPTIONS) readonly options: ScriptingOptions,
    private readonly bindings: LuaBindingRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.#matches = this.moduleRef.get(MatchRegistry, { strict: false });
    } catch {
      this.#matches = undefined;
    }
    const result = await this.reload();
    if (!result.ok) this.#logger.error(`scripts not loaded: ${JSON.stringify(result.error)}`);
    if (this.options.watch && this.config.luaDir) this.#watch(this.config.luaDir);
  }

  onModuleDestroy(): void {
    this.#watcher?.close();
    clearTimeout(this.#watchTimer);
    this.#generation?.retire();
  }

  get generation(): Generation | undefined {
    return this.#generation;
  }

  get scriptsDir(): string | undefined {
    return this.config.luaDir ? resolve(this.config.luaDir) : undefined;
  }

  get lastReload(): (ReloadResult & { at: number }) | undefined {
    return this.#lastReload;
  }

  /** The last script failures (newest first, at most 50), for the admin API. */
  recentErrors(): readonly (ReturnType<ScriptFailure['toReport']> & { at: number })[] {
    return this.#recentErrors;
  }

  /**
   * Loads every script (from the folder, or `scripts` when given) into fresh VMs and swaps them in
   * at once. On a syntax or runtime error the running version stays and the error is returned.
   * Concurrent calls share one reload.
   */
  reload(scripts?: ScriptSet): Promise<ReloadResult> {
    this.#reloading ??= this.#reload(scripts).finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #reload(given?: ScriptSet): Promise<ReloadResult> {
    const version = this.#version + 1;
    let result: ReloadResult;
    try {
      const scripts = given ?? (this.config.luaDir ? ScriptSet.fromDir(this.config.luaDir) : ScriptSet.empty());
      const next = await Generation.load(version, scripts, this.options.vm, this.#host(), this.options.poolSize, this.options.maxQueued);
      this.#swapMatches(next);
      const previous = this.#generation;
      this.#generation = next;
      this.#version = version;
      previous?.retire();
      const s = next.summary;
      this.#logger.log(`scripts v${version} loaded: ${scripts.files.size} files, ${s.rpcs.length} RPCs, ${s.before.length + s.after.length} hooks, ${s.matches.length} match modules`);
      result = { ok: true, version };
    } catch (error) {
      const report = error instanceof ScriptFailure ? error.toReport() : { message: error instanceof Error ? error.message : String(error) };
      this.#logger.error(`reload failed, keeping v${this.#version}: ${error instanceof Error ? error.message : String(error)}`);
      result = { ok: false, version: this.#version, error: report };
    }
    this.#lastReload = { ...result, at: Date.now() };
    return result;
  }

  /** Match modules follow the generation: new names registered, removed names unregistered. */
  #swapMatches(next: Generation): void {
    const registry = this.#matches;
    if (!registry) return;
    const names = new Set(next.summary.matches.map((m) => m.name));
    for (const name of names) {
      if (registry.has(name) && !this.#ownMatchNames.has(name)) {
        throw new KaosError('CONFLICT', `match module "${name}" is already registered by TypeScript`);
      }
    }
    for (const name of this.#ownMatchNames) if (!names.has(name)) registry.unregister(name);
    for (const name of names) {
      registry.register(name, () => new LuaMatchHandler(this, name), { origin: 'lua', replace: true });
      this.#ownMatchNames.add(name);
    }
    for (const name of [...this.#ownMatchNames]) if (!names.has(name)) this.#ownMatchNames.delete(name);
  }

  #host(): KaosModuleHost {
    return {
      bindings: this.bindings.resolve(),
      modules: new Map(),
      log: (level, message, fields) => {
        const text = fields === undefined ? message : `${message} ${JSON.stringify(fields)}`;
        if (level === 'error') this.#logger.error(text);
        else if (level === 'warn') this.#logger.warn(text);
        else this.#logger.log(text);
      },
    };
  }

  #watch(dir: string): void {
    try {
      this.#watcher = watch(dir, { recursive: true }, (_event, file) => {
        if (file && !String(file).endsWith('.lua')) return;
        clearTimeout(this.#watchTimer);
        this.#watchTimer = setTimeout(() => void this.reload(), 200);
      });
      this.#watcher.on('error', (error) => this.#logger.warn(`watching ${dir} stopped: ${error.message}`));
    } catch (error) {
      this.#logger.warn(`cannot watch ${dir}: ${(error as Error).message}`);
    }
  }

  /** Records a failure for the admin API and the log (one line, with script and line). */
  report(error: unknown): void {
    if (!(error instanceof ScriptFailure)) return;
    this.#recentErrors.unshift({ ...error.toReport(), at: Date.now() });
    if (this.#recentErrors.length > 50) this.#recentErrors.length = 50;
    if (error.code === 'INTERNAL') this.#logger.error(error.message);
  }

  /** Runs `fn` on a pooled VM of the current generation. */
  async withVm<T>(fn: (svm: ScriptVm) => Promise<T>): Promise<T> {
    const generation = this.#generation;
    if (!generation) throw KaosError.unavailable('Lua runtime is not started');
    const svm = await generation.acquire();
    let healthy = true;
    try {
      return await fn(svm);
    } catch (error) {
      if (error instanceof ScriptFailure && error.limit) healthy = false;
      this.report(error);
      throw error;
    } finally {
      generation.release(svm, healthy);
    }
  }

  hasRpc(id: string): boolean {
    return this.#generation?.hasRpc(id) ?? false;
  }

  /**
   * Calls a Lua RPC. The payload string is handed to Lua decoded when it is JSON (a table, number…),
   * else as the string; a table result is JSON-encoded, a string result is returned as is.
   */
  async callRpc(caller: Caller, id: string, payload: string | undefined, extra: Record<string, unknown> = {}): Promise<string | undefined> {
    return this.withVm(async (svm) => {
      const entry = svm.registrations.rpcs.get(id);
      if (!entry) throw KaosError.notFound(`RPC "${id}" not found`, { reason: 'RPC_NOT_FOUND' });
      const [out] = await svm.vm.invoke(entry.ref, [luaContext(caller, extra), decodePayload(payload)], caller, `rpc ${id}`);
      return encodePayload(out ?? null);
    });
  }

  hasHook(kind: 'before' | 'after', op: HookOperation): boolean {
    const g = this.#generation;
    return !!g && (kind === 'before' ? g.hasBefore(op) : g.hasAfter(op));
  }

  /** Runs a hook; returns its first result (plain data). */
  async runHook(kind: 'before' | 'after', op: HookOperation, caller: Caller, args: unknown[]): Promise<PlainValue> {
    return this.withVm(async (svm) => {
      const entry = (kind === 'before' ? svm.registrations.before : svm.registrations.after).get(op);
      if (!entry) return null;
      const [out] = await svm.vm.invoke(entry.ref, [luaContext(caller), ...args], caller, `${kind} ${op}`);
      return out ?? null;
    });
  }
}

export function decodePayload(payload: string | undefined): unknown {
  if (payload === undefined || payload === '') return null;
  const c = payload.trimStart()[0];
  if (c === '{' || c === '[' || c === '"' || (c !== undefined && /[-0-9tfn]/.test(c))) {
    try {
      return JSON.parse(payload);
    } catch {
      return payload;
    }
  }
  return payload;
}

export function encodePayload(value: PlainValue): string | undefined {
  if (value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
