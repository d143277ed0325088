import type { Caller } from '@kaosnet/common';
import type { HookOperation } from './hook-operations.js';

/**
 * Runs the before/after hooks scripts registered on an operation. Feature services call it
 * around their operation; with no hook registered both calls return at once.
 *
 * Inject it optionally so a feature works without scripting:
 * @example
 * constructor(@Optional() @Inject(HOOK_RUNNER) private readonly hooks?: HookRunner) {}
 * …
 * request = (await this.hooks?.runBefore('account.update', caller, request)) ?? request;
 * const result = await doIt(request);
 * await this.hooks?.runAfter('account.update', caller, request, result);
 */
export interface HookRunner {
  /** True when a before (or after) hook exists for `operation`: skip building hook payloads otherwise. */
  has(kind: 'before' | 'after', operation: HookOperation): boolean;
  /**
   * The before hook may return a changed request (plain data) or reject with a KaosError (a Lua
   * `error({message, code})`). Returning nil keeps the request.
   */
  runBefore<T>(operation: HookOperation, caller: Caller, request: T): Promise<T>;
  /** After hooks see request and result; their errors are logged, never thrown. */
  runAfter(operation: HookOperation, caller: Caller, request: unknown, result: unknown): Promise<void>;
}

/**
 * DI token of the HookRunner. A `Symbol.for` key, so a feature lib can use the same token without
 * a runtime import of @kaosnet/scripting (which imports the features for its bindings).
 */
export const HOOK_RUNNER = Symbol.for('kaosnet.scripting.hook-runner');
