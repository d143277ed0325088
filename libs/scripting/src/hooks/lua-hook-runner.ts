import { Injectable, Logger } from '@nestjs/common';
import type { Caller } from '@kaosnet/common';
import { ScriptingRuntime } from '../runtime/scripting-runtime.js';
import type { HookOperation } from './hook-operations.js';
import type { HookRunner } from './hook-runner.js';

/** The HookRunner backed by the Lua runtime's current generation. */
@Injectable()
export class LuaHookRunner implements HookRunner {
  readonly #logger = new Logger('LuaHooks');

  constructor(private readonly runtime: ScriptingRuntime) {}

  has(kind: 'before' | 'after', operation: HookOperation): boolean {
    return this.runtime.hasHook(kind, operation);
  }

  async runBefore<T>(operation: HookOperation, caller: Caller, request: T): Promise<T> {
    // Calls made by scripts themselves (origin lua) are not hooked: no recursion, and a script
    // holding a pooled VM never waits for another one (pool deadlock).
    if (caller.origin === 'lua' || !this.runtime.hasHook('before', operation)) return request;
    const out = await this.runtime.runHook('before', operation, caller, [request]);
    return out === null ? request : (out as T);
  }

  async runAfter(operation: HookOperation, caller: Caller, request: unknown, result: unknown): Promise<void> {
    if (caller.origin === 'lua' || !this.runtime.hasHook('after', operation)) return;
    try {
      await this.runtime.runHook('after', operation, caller, [request, result]);
    } catch (error) {
      this.#logger.warn(`after ${operation} hook failed: ${(error as Error).message}`);
    }
  }
}
