import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { HookRunner } from '@kaosnet/scripting';
import { Clock, KaosError, type Caller } from '@kaosnet/common';
import { parseFilter, parseSort, checkJson } from './query/query-parser.js';
import { QueryCompiler, indexPrefilters } from './query/query-compiler.js';
import { canonicalJson } from './query/query-dialect.js';
import { decodeCursor, encodeCursor, fingerprint } from './storage-cursor.js';
import { indexEntries } from './storage-index.js';
import { StorageErrors } from './storage.errors.js';
import { BatchAbort, StorageRepository, SYSTEM_OWNER, type PageRequest, type PreparedDelete, type PreparedWrite, type StorageRow, type Viewer } from './storage.repository.js';
import {
  DEFAULT_STORAGE_OPTIONS,
  STORAGE_OPTIONS,
  type JsonObject,
  type StorageAck,
  type StorageDeleteId,
  type StorageListRequest,
  type StorageObject,
  type StorageObjectId,
  type StorageOptions,
  type StoragePage,
  type StorageQueryRequest,
  type StorageWrite,
} from './storage.types.js';

const NAME_RULE = { min: 1, max: 128, pattern: /^[^\u0000-\u001f\u007f]+$/, patternHint: 'must not contain control characters' };
const VERSION_RULE = { min: 1, max: 64, pattern: /^[\x21-\x7e]+$/, patternHint: 'must be a version returned by a write, or "*"' };

/**
 * The one core of storage: every rule (ownership, permissions, versions, limits, query language)
 * lives here, and REST, admin, Lua and server code all call it with their Caller.
 *
 * @example
 * const [ack] = await storage.write(caller, [{ collection: 'inventory', key: 'sword', value: { damage: 50 } }]);
 * await storage.write(caller, [{ collection: 'inventory', key: 'sword', value: { damage: 60 }, version: ack.version }]);
 * const page = await storage.query(caller, 'inventory', { filter: { damage: { $gte: 50 } }, sort: [{ path: 'damage', direction: 'desc' }] });
 */
/** @kaosnet/scripting's HOOK_RUNNER token (a `Symbol.for` key: a runtime import would be a cycle). */
const HOOK_RUNNER = Symbol.for('kaosnet.scripting.hook-runner');

@Injectable()
export class StorageService {
  readonly options: Readonly<StorageOptions>;

  constructor(
    private readonly repository: StorageRepository,
    private readonly clock: Clock,
    @Optional() @Inject(STORAGE_OPTIONS) options?: Partial<StorageOptions>,
    // Optional Lua hooks (libs/scripting): with no hook registered nothing changes.
    @Optional() @Inject(HOOK_RUNNER) private readonly hooks?: HookRunner,
  ) {
    this.options = Object.freeze({ ...DEFAULT_STORAGE_OPTIONS, ...(options ?? {}) });
  }

  /**
   * Writes a batch atomically: every object or none. Per object, `version` omitted = last write
   * wins, `"*"` = create only, a version = compare-and-swap. A failed condition fails the whole
   * batch with CONFLICT. Returns each object's new version, in order.
   */
  async write(caller: Caller, objects: readonly StorageWrite[]): Promise<StorageAck[]> {
    // Scripting hooks: a before hook may change or refuse the batch; after hooks see the acks.
    if (this.hooks?.has('before', 'storage.write')) objects = (await this.hooks.runBefore('storage.write', caller, { objects })).objects;
    const acks = await this.#write(caller, objects);
    if (this.hooks?.has('after', 'storage.write')) await this.hooks.runAfter('storage.write', caller, { objects }, acks);
    return acks;
  }

  async #write(caller: Caller, objects: readonly StorageWrite[]): Promise<StorageAck[]> {
    this.#checkBatch('objects', objects);
    const seen = new Set<string>();
    const prepared: PreparedWrite[] = objects.map((o, i) => {
      const field = `objects[${i}]`;
      if (o === null || typeof o !== 'object') throw KaosError.invalidField(field, 'must be an object');
      const collection = this.#name(`${field}.collection`, o.collection);
      const key = this.#name(`${field}.key`, o.key);
      const userId = this.#writeOwner(caller, o.userId, `${field}.userId`);
      this.#unique(seen, field, collection, userId, key);
      const value = this.#value(`${field}.value`, o.value);
      const permissionRead = this.#permission(`${field}.permissionRead`, o.permissionRead, 2);
      const permissionWrite = this.#permission(`${field}.permissionWrite`, o.permissionWrite, 1);
      const condition =
        o.version === undefined || o.version === null
          ? ({ kind: 'none' } as const)
          : o.version === '*'
            ? ({ kind: 'create' } as const)
            : ({ kind: 'version', version: checkVersion(`${field}.version`, o.version) } as const);
      return {
        collection,
        userId,
        key,
        valueJson: canonicalJson(value),
        condition,
        permissionRead,
        permissionWrite,
        newVersion: randomBytes(9).toString('base64url'),
        requireOwnerWrite: caller.kind === 'user',
        entries: this.repository.isPostgres ? indexEntries(value, this.options.maxPathSegments, this.options.maxIndexEntries) : [],
      };
    });
    try {
      await this.repository.write(prepared, this.clock.now());
    } catch (error) {
      throw this.#batchError(error, 'objects');
    }
    return prepared.map((p) => ({ collection: p.collection, key: p.key, userId: publicOwner(p.userId), version: p.newVersion }));
  }

  /** Reads objects the caller may see; missing or hidden ones are simply absent from the result. */
  async read(caller: Caller, ids: readonly StorageObjectId[]): Promise<StorageObject[]> {
    // Scripting hooks: a before hook may change or refuse the read; after hooks see the objects.
    if (this.hooks?.has('before', 'storage.read')) ids = (await this.hooks.runBefore('storage.read', caller, { ids })).ids;
    const objects = await this.#read(caller, ids);
    if (this.hooks?.has('after', 'storage.read')) await this.hooks.runAfter('storage.read', caller, { ids }, objects);
    return objects;
  }

  async #read(caller: Caller, ids: readonly StorageObjectId[]): Promise<StorageObject[]> {
    this.#checkBatch('ids', ids);
    const resolved = ids.map((id, i) => {
      const field = `ids[${i}]`;
      if (id === null || typeof id !== 'object') throw KaosError.invalidField(field, 'must be an object');
      return { collection: this.#name(`${field}.collection`, id.collection), key: this.#name(`${field}.key`, id.key), userId: this.#readOwner(caller, id.userId, `${field}.userId`) };
    });
    return (await this.repository.read(resolved, viewerOf(caller))).map(toObject);
  }

  /**
   * Deletes a batch atomically. Without a version a missing object is a no-op; with one, the
   * object must exist at that version (CONFLICT otherwise, nothing deleted).
   */
  async delete(caller: Caller, ids: readonly StorageDeleteId[]): Promise<void> {
    // Scripting hooks: a before hook may change or refuse the delete; after hooks run once it is done.
    if (this.hooks?.has('before', 'storage.delete')) ids = (await this.hooks.runBefore('storage.delete', caller, { ids })).ids;
    await this.#delete(caller, ids);
    if (this.hooks?.has('after', 'storage.delete')) await this.hooks.runAfter('storage.delete', caller, { ids }, null);
  }

  async #delete(caller: Caller, ids: readonly StorageDeleteId[]): Promise<void> {
    this.#checkBatch('ids', ids);
    const seen = new Set<string>();
    const prepared: PreparedDelete[] = ids.map((id, i) => {
      const field = `ids[${i}]`;
      if (id === null || typeof id !== 'object') throw KaosError.invalidField(field, 'must be an object');
      const collection = this.#name(`${field}.collection`, id.collection);
      const key = this.#name(`${field}.key`, id.key);
      const userId = this.#writeOwner(caller, id.userId, `${field}.userId`);
      this.#unique(seen, field, collection, userId, key);
      const version = id.version === undefined || id.version === null ? undefined : checkVersion(`${field}.version`, id.version);
      return { collection, key, userId, version, requireOwnerWrite: caller.kind === 'user' };
    });
    try {
      await this.repository.delete(prepared);
    } catch (error) {
      throw this.#batchError(error, 'ids');
    }
  }

  /** Lists a collection by owner then key, `limit` at a time, with a stable cursor. */
  async list(caller: Caller, collection: string, req: StorageListRequest & { keyPrefix?: string } = {}): Promise<StoragePage> {
    const page = this.#page(caller, collection, req);
    if (req.keyPrefix !== undefined) page.keyPrefix = this.#name('keyPrefix', req.keyPrefix);
    const fp = fingerprint('list', page.collection, page.owner ?? null, page.keyPrefix ?? null);
    page.after = decodeCursor(req.cursor, fp, 0);
    const rows = await this.repository.list({ ...page, limit: page.limit + 1 });
    return this.#toPage(rows, page.limit, fp);
  }

  /**
   * Runs a MongoDB-syntax filter in the database over one collection, sorted by the given value
   * paths (then owner, key), with a stable cursor. See docs/storage.md for the semantics.
   */
  async query(caller: Caller, collection: string, req: StorageQueryRequest): Promise<StoragePage> {
    if (req === null || typeof req !== 'object') throw KaosError.invalidField('query', 'must be an object');
    const page = this.#page(caller, collection, req);
    const node = parseFilter(req.filter, this.options);
    const sort = parseSort(req.sort, this.options);
    const fp = fingerprint('query', page.collection, page.owner ?? null, canonicalJson((req.filter ?? {}) as JsonObject), sort);
    page.after = decodeCursor(req.cursor, fp, sort.length);
    const where = new QueryCompiler(this.repository.dialect).compile(node);
    const prefilters = this.repository.isPostgres ? indexPrefilters(node, page.collection) : [];
    const rows = await this.repository.query({ ...page, limit: page.limit + 1 }, where, prefilters, sort);
    return this.#toPage(rows, page.limit, fp);
  }

  /** Collections and their object counts (system callers only: it reveals every owner's data). */
  async listCollections(caller: Caller, req: { limit?: number; after?: string } = {}): Promise<{ collection: string; count: number }[]> {
    if (caller.kind !== 'system') throw KaosError.forbidden('listing collections is for the server and admins', { reason: 'STORAGE_SYSTEM_ONLY' });
    const limit = this.#limit(req.limit);
    const after = req.after === undefined ? undefined : this.#name('after', req.after);
    return this.repository.collections(limit, after);
  }

  #page(caller: Caller, collection: string, req: StorageListRequest): PageRequest {
    return {
      collection: this.#name('collection', collection),
      owner: req.userId === undefined ? undefined : req.userId === null ? SYSTEM_OWNER : this.#name('userId', req.userId),
      viewer: viewerOf(caller),
      limit: this.#limit(req.limit),
    };
  }

  #toPage(rows: (StorageRow & { sortKeys?: [number, number, string][] })[], limit: number, fp: string): StoragePage {
    const objects = rows.slice(0, limit);
    if (rows.length <= limit) return { objects: objects.map(toObject) };
    const last = objects[objects.length - 1];
    return { objects: objects.map(toObject), cursor: encodeCursor(fp, { sortKeys: last.sortKeys ?? [], userId: last.userId, key: last.key }) };
  }

  #limit(limit: unknown): number {
    if (limit === undefined || limit === null) return this.options.defaultPageSize;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > this.options.maxPageSize) {
      throw KaosError.invalidField('limit', `must be an integer between 1 and ${this.options.maxPageSize}`);
    }
    return limit;
  }

  #checkBatch(field: string, items: unknown): void {
    if (!Array.isArray(items) || items.length === 0) throw KaosError.invalidField(field, 'must be a non-empty array');
    if (items.length > this.options.maxBatch) throw StorageErrors.batchTooLarge(field, this.options.maxBatch);
  }

  #unique(seen: Set<string>, field: string, collection: string, userId: string, key: string): void {
    const id = JSON.stringify([collection, userId, key]);
    if (seen.has(id)) throw StorageErrors.duplicateId(field);
    seen.add(id);
  }

  #name(field: string, value: unknown): string {
    if (typeof value !== 'string') throw KaosError.invalidField(field, 'must be a string');
    if (value.length < NAME_RULE.min || value.length > NAME_RULE.max) throw KaosError.invalidField(field, `length must be between 1 and ${NAME_RULE.max}`);
    if (!NAME_RULE.pattern.test(value)) throw KaosError.invalidField(field, NAME_RULE.patternHint);
    return value;
  }

  /** Whose object a write or delete names: users only their own; the system anyone's or its own. */
  #writeOwner(caller: Caller, userId: unknown, field: string): string {
    if (caller.kind === 'user') {
      if (userId === undefined || userId === caller.userId) return caller.userId;
      throw StorageErrors.ownerForbidden(field);
    }
    return userId === undefined || userId === null ? SYSTEM_OWNER : this.#name(field, userId);
  }

  #readOwner(caller: Caller, userId: unknown, field: string): string {
    if (userId === undefined) return caller.kind === 'user' ? caller.userId : SYSTEM_OWNER;
    return userId === null ? SYSTEM_OWNER : this.#name(field, userId);
  }

  #value(field: string, value: unknown): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw StorageErrors.invalidValue(field, 'must be a JSON object');
    checkJson(field, value, this.options.maxValueDepth, 0);
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > this.options.maxValueBytes) throw StorageErrors.valueTooLarge(field, this.options.maxValueBytes);
    return value as JsonObject;
  }

  #permission(field: string, value: unknown, max: number): number {
    if (value === undefined || value === null) return 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw KaosError.invalidField(field, `must be an integer from 0 to ${max}`);
    return value;
  }

  #batchError(error: unknown, field: string): unknown {
    if (!(error instanceof BatchAbort)) return error;
    const where = `${field}[${error.failure.index}]`;
    switch (error.failure.why) {
      case 'exists':
        return StorageErrors.alreadyExists(where);
      case 'version':
        return StorageErrors.versionMismatch(where);
      case 'forbidden':
        return StorageErrors.writeForbidden(where);
    }
  }
}

function checkVersion(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length < VERSION_RULE.min || v.length > VERSION_RULE.max || !VERSION_RULE.pattern.test(v)) {
    throw KaosError.invalidField(field, VERSION_RULE.patternHint);
  }
  return v;
}

function viewerOf(caller: Caller): Viewer {
  return caller.kind === 'system' ? { kind: 'system' } : { kind: 'user', userId: caller.userId };
}

function publicOwner(userId: string): string | null {
  return userId === SYSTEM_OWNER ? null : userId;
}

function toObject(r: StorageRow): StorageObject {
  return {
    collection: r.collection,
    key: r.key,
    userId: publicOwner(r.userId),
    value: r.value,
    version: r.version,
    permissionRead: r.permissionRead,
    permissionWrite: r.permissionWrite,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
