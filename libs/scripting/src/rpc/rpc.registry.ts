import { Injectable, SetMetadata, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { KaosError, type Caller } from '@kaosnet/common';
import { ScriptingRuntime, decodePayload, encodePayload } from '../runtime/scripting-runtime.js';
import { ScriptFailure } from '../vm/lua-errors.js';
import type { PlainValue } from '../vm/lua-marshal.js';

/** What a TypeScript RPC receives besides its payload. */
export interface RpcContext {
  caller: Caller;
  /** Set for user callers. */
  userId?: string;
  username?: string;
  sessionId?: string;
  vars?: Record<string, string>;
  /** KaosTalk only: the transport and the request's correlation id. */
  transport?: 'udp' | 'ws';
  cid?: string;
}

/** A TypeScript RPC: payload string in, payload string (or nothing) out. Throw KaosError to fail. */
export type RpcFunction = (ctx: RpcContext, payload: string | undefined) => string | undefined | void | Promise<string | undefined | void>;

export const KAOS_RPC_METADATA = 'kaosnet:rpc';

/**
 * Marks a provider method as the TypeScript RPC `id`, discovered at start-up (the provider must be
 * in some module's `providers`). Lua and TypeScript RPCs share one dispatch, hooks included.
 *
 * @example
 * @Injectable()
 * export class ShopRpcs {
 *   @KaosRpc('shop.price')
 *   price(ctx: RpcContext, payload?: string) { return JSON.stringify({ price: 10 }); }
 * }
 */
export function KaosRpc(id: string): MethodDecorator {
  checkId(id);
  return SetMetadata(KAOS_RPC_METADATA, id);
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) throw KaosError.invalidField('id', 'must be 1-128 of [A-Za-z0-9_.:-]');
}

/**
 * Every RPC of the server, by id: TypeScript functions (registered here or discovered through
 * `@KaosRpc`) first, then the current Lua scripts. `call` is the one dispatch used by REST,
 * KaosTalk and the admin API: before hook → function → after hook.
 */
@Injectable()
export class RpcRegistry implements OnModuleInit {
  readonly #functions = new Map<string, RpcFunction>();

  constructor(
    private readonly runtime: ScriptingRuntime,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const id = Reflect.getMetadata(KAOS_RPC_METADATA, proto[name]) as string | undefined;
        if (id !== undefined) this.register(id, (instance[name] as RpcFunction).bind(instance));
      }
    }
  }

  /** Registers a TypeScript RPC; CONFLICT when the id is taken by another TypeScript RPC. */
  register(id: string, fn: RpcFunction): void {
    checkId(id);
    if (this.#functions.has(id)) throw KaosError.conflict(`RPC "${id}" is already registered`);
    this.#functions.set(id, fn);
  }

  unregister(id: string): boolean {
    return this.#functions.delete(id);
  }

  has(id: string): boolean {
    return this.#functions.has(id) || this.runtime.hasRpc(id);
  }

  /** Ids by engine (a TypeScript id shadows a Lua one). */
  list(): { typescript: string[]; lua: string[] } {
    return { typescript: [...this.#functions.keys()].sort(), lua: (this.runtime.generation?.summary.rpcs ?? []).map((r) => r.id) };
  }

  /** Runs RPC `id`: NOT_FOUND when no engine has it; TOO_LARGE past the payload limit. */
  async call(ctx: RpcContext, id: string, payload: string | undefined): Promise<string | undefined> {
    checkId(id);
    const max = this.runtime.options.maxPayloadBytes;
    if (payload !== undefined && Buffer.byteLength(payload) > max) throw KaosError.tooLarge(`RPC payload over ${max} bytes`);
    const caller = ctx.caller;
    let request: { id: string; payload?: string } = { id, payload };
    if (this.runtime.hasHook('before', 'rpc')) {
      const changed = await this.runtime.runHook('before', 'rpc', caller, [{ id, payload: decodePayload(payload) }]);
      if (changed !== null && typeof changed === 'object' && !Array.isArray(changed)) {
        request = { id, payload: encodePayload((changed as Record<string, PlainValue>)['payload'] ?? null) };
      }
    }
    const fn = this.#functions.get(id);
    let out: string | undefined;
    if (fn) {
      const r = await fn(ctx, request.payload);
      out = typeof r === 'string' ? r : undefined;
    } else if (this.runtime.hasRpc(id)) {
      out = await this.runtime.callRpc(caller, id, request.payload, ctx.transport ? { transport: ctx.transport } : {});
    } else {
      throw KaosError.notFound(`RPC "${id}" not found`, { reason: 'RPC_NOT_FOUND' });
    }
    if (out !== undefined && Buffer.byteLength(out) > max) throw KaosError.tooLarge(`RPC "${id}" answered more than ${max} bytes`);
    if (this.runtime.hasHook('after', 'rpc')) {
      await this.runtime.runHook('after', 'rpc', caller, [request, { id, payload: decodePayload(out) }]).catch((error: unknown) => {
        if (!(error instanceof ScriptFailure)) throw error;
      });
    }
    return out;
  }
}
