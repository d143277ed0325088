import { Injectable } from '@nestjs/common';
import { SYSTEM_CALLER, type Caller } from '@kaosnet/common';
import { Query } from './query/query-builder.js';
import { StorageService } from './storage.service.js';
import type { StorageAck, StorageObject, StoragePage } from './storage.types.js';

export interface StorageSetOptions {
  /** Omitted = last write wins; `"*"` = create only; a version = only if unchanged. */
  version?: string;
  permissionRead?: number;
  permissionWrite?: number;
}

/**
 * The seed's storage API for server-side TypeScript (game modules, hooks). It acts as the system
 * caller unless bound to another with `as(caller)`; every call goes through StorageService.
 * `userId` null means a server-owned object.
 *
 * @example
 * await storage.set('user123', 'inventory', 'sword', { damage: 50, level: 10 });
 * const items = await storage.query('user123', 'inventory', Query.new().filter('level', QueryOp.gte(5)));
 */
@Injectable()
export class Storage {
  readonly #caller: Caller;
  constructor(private readonly service: StorageService) {
    this.#caller = SYSTEM_CALLER;
  }

  /** The same API acting as `caller` (its permissions apply). */
  as(caller: Caller): Storage {
    return new BoundStorage(this.service, caller);
  }

  protected get caller(): Caller {
    return this.#caller;
  }

  async set(userId: string | null, collection: string, key: string, value: Record<string, unknown>, opts: StorageSetOptions = {}): Promise<StorageAck> {
    const [ack] = await this.service.write(this.caller, [{ collection, key, userId, value, ...opts }]);
    return ack;
  }

  async get(userId: string | null, collection: string, key: string): Promise<StorageObject | null> {
    const [obj] = await this.service.read(this.caller, [{ collection, key, userId }]);
    return obj ?? null;
  }

  async delete(userId: string | null, collection: string, key: string, opts: { version?: string } = {}): Promise<void> {
    await this.service.delete(this.caller, [{ collection, key, userId, version: opts.version }]);
  }

  /** Matching objects of `userId` (undefined = every owner), first page only; see queryPage. */
  async query(userId: string | null | undefined, collection: string, query: Query = Query.new()): Promise<StorageObject[]> {
    return (await this.queryPage(userId, collection, query)).objects;
  }

  async queryPage(userId: string | null | undefined, collection: string, query: Query, cursor?: string): Promise<StoragePage> {
    return this.service.query(this.caller, collection, { userId, filter: query.toFilter(), sort: query.sortFields, limit: query.pageSize, cursor });
  }
}

class BoundStorage extends Storage {
  readonly #bound: Caller;
  constructor(service: StorageService, caller: Caller) {
    super(service);
    this.#bound = caller;
  }
  protected override get caller(): Caller {
    return this.#bound;
  }
}
