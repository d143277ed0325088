import { Injectable } from '@nestjs/common';
import { KaosError } from '@kaosnet/common';
import type { MatchHandler, MatchHandlerFactory } from './match-handler.js';
import { RoomsErrors } from './rooms.errors.js';

/**
 * Match handlers by module name. Nest providers decorated with `@MatchHandler(name)` are
 * registered at start-up; other engines (Lua) register factories at run time.
 *
 * @example
 * registry.register('lua.arena', () => new LuaMatchHandler(vm, 'arena'));
 * registry.registerInstance('counter', new CounterMatch());
 */
@Injectable()
export class MatchRegistry {
  readonly #factories = new Map<string, { factory: MatchHandlerFactory; origin: string }>();

  /** Registers (or, with `replace`, re-registers) the factory of module `name`. Throws CONFLICT when taken. */
  register(name: string, factory: MatchHandlerFactory, options: { origin?: string; replace?: boolean } = {}): void {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) throw KaosError.invalidField('module', 'must be 1-64 of [A-Za-z0-9_.:-]');
    const existing = this.#factories.get(name);
    if (existing && !options.replace) {
      throw KaosError.conflict(`match module "${name}" is already registered (${existing.origin})`, { reason: 'MATCH_MODULE_TAKEN' });
    }
    this.#factories.set(name, { factory, origin: options.origin ?? 'runtime' });
  }

  /** A shared, stateless handler instance for every room of `name`. */
  registerInstance(name: string, handler: MatchHandler<any>, options: { origin?: string; replace?: boolean } = {}): void {
    this.register(name, () => handler as MatchHandler<unknown>, options);
  }

  unregister(name: string): boolean {
    return this.#factories.delete(name);
  }

  has(name: string): boolean {
    return this.#factories.has(name);
  }

  names(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /** A handler for a new room of `name`; NOT_FOUND when nothing is registered under it. */
  create(name: string): MatchHandler<unknown> {
    const entry = this.#factories.get(name);
    if (!entry) throw RoomsErrors.moduleNotFound(name);
    return entry.factory(name);
  }
}
