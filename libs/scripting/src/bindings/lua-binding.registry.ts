import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { LuaBinding, LuaBindingSet } from './lua-binding.js';
import { CORE_LUA_BINDINGS } from './core-bindings.js';

/** A binding with its service resolved: what the VM installs. */
export interface ResolvedLuaBinding {
  feature: string;
  binding: LuaBinding<any>;
  service: unknown;
}

/**
 * The `kaos.*` provider bindings, contributed per feature. Core features' sets are listed in
 * core-bindings.ts; game modules add their own with `register()` (before the first script
 * load, e.g. in their `onModuleInit`). A set whose service is not in the application is skipped.
 */
@Injectable()
export class LuaBindingRegistry implements OnModuleInit {
  readonly #logger = new Logger('LuaBindings');
  readonly #sets: LuaBindingSet[] = [...CORE_LUA_BINDINGS];
  #resolved?: ResolvedLuaBinding[];
  readonly #missing = new Set<string>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.#resolved = undefined;
  }

  /** Adds a feature's bindings (names must be unique across the `kaos` module). */
  register(set: LuaBindingSet): void {
    this.#sets.push(set);
    this.#resolved = undefined;
  }

  /** Every binding whose service exists in this application. */
  resolve(): ResolvedLuaBinding[] {
    if (this.#resolved) return this.#resolved;
    const out: ResolvedLuaBinding[] = [];
    const names = new Set<string>();
    this.#missing.clear();
    for (const set of this.#sets) {
      let service: unknown;
      try {
        service = this.moduleRef.get(set.service, { strict: false });
      } catch {
        service = undefined;
      }
      if (!service) {
        this.#missing.add(set.feature);
        continue;
      }
      for (const binding of set.bindings) {
        if (names.has(binding.name)) throw new Error(`kaos.${binding.name} is bound twice (feature ${set.feature})`);
        names.add(binding.name);
        out.push({ feature: set.feature, binding, service });
      }
    }
    if (this.#missing.size) this.#logger.debug(`features without a service here (bindings skipped): ${[...this.#missing].join(', ')}`);
    this.#resolved = out;
    return out;
  }

  /** Features whose bindings were skipped. */
  missing(): string[] {
    this.resolve();
    return [...this.#missing];
  }
}
