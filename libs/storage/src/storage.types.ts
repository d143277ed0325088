/** Who may read an object: 0 only the server, 1 its owner (and the server), 2 everyone. */
export const StoragePermissionRead = { NONE: 0, OWNER: 1, PUBLIC: 2 } as const;
export type StoragePermissionRead = (typeof StoragePermissionRead)[keyof typeof StoragePermissionRead];

/** Who may write an object: 0 only the server, 1 its owner (and the server). */
export const StoragePermissionWrite = { NONE: 0, OWNER: 1 } as const;
export type StoragePermissionWrite = (typeof StoragePermissionWrite)[keyof typeof StoragePermissionWrite];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * A stored object. `userId` null means server-owned (only the system caller writes those).
 * `version` is an opaque token that changes on every write; pass it back for compare-and-swap.
 */
export interface StorageObject {
  collection: string;
  key: string;
  userId: string | null;
  value: JsonObject;
  version: string;
  permissionRead: StoragePermissionRead;
  permissionWrite: StoragePermissionWrite;
  createdAt: number;
  updatedAt: number;
}

/**
 * One object of a write batch.
 * - `userId`: omitted = the caller's own object (a user) or a server-owned object (the system);
 *   `null` = server-owned. A user caller may only name itself.
 * - `version`: omitted = last write wins; `"*"` = create only; a version = update only if unchanged.
 */
export interface StorageWrite {
  collection: string;
  key: string;
  userId?: string | null;
  value: unknown;
  version?: string;
  permissionRead?: number;
  permissionWrite?: number;
}

export interface StorageAck {
  collection: string;
  key: string;
  userId: string | null;
  version: string;
}

/** Names one object. `userId` follows the same rule as in {@link StorageWrite}. */
export interface StorageObjectId {
  collection: string;
  key: string;
  userId?: string | null;
}

export interface StorageDeleteId extends StorageObjectId {
  /** When given, delete only if unchanged (CONFLICT otherwise, also when the object is gone). */
  version?: string;
}

export interface StoragePage {
  objects: StorageObject[];
  /** Present when more objects may follow; opaque, pass it back unchanged. */
  cursor?: string;
}

export interface StorageListRequest {
  /** Only this owner's objects (`null` = server-owned); omitted = every owner the caller may see. */
  userId?: string | null;
  limit?: number;
  cursor?: string;
}

export type StorageSortDirection = 'asc' | 'desc';
export interface StorageSortField {
  path: string;
  direction?: StorageSortDirection;
}

export interface StorageQueryRequest extends StorageListRequest {
  /** MongoDB-syntax filter (see docs/storage.md). `{}` matches everything. */
  filter: unknown;
  /** Sort by these value paths, then by owner and key. */
  sort?: StorageSortField[] | unknown;
}

/** Limits of the storage service; every one has a safe default (see DEFAULT_STORAGE_OPTIONS). */
export interface StorageOptions {
  /** Largest value, in bytes of its JSON text. Default 256 KiB. */
  maxValueBytes: number;
  /** Deepest nesting of a value. Default 32. */
  maxValueDepth: number;
  /** Most objects in one write, read or delete batch. Default 100. */
  maxBatch: number;
  /** Deepest nesting of $and/$or/$nor/$not in a query. Default 6. */
  maxQueryDepth: number;
  /** Most leaf conditions in one query (each value of an $in counts). Default 64. */
  maxQueryClauses: number;
  /** Most segments in a field path (`a.b.c` has 3). Default 8. */
  maxPathSegments: number;
  /** Most sort paths. Default 3. */
  maxSortFields: number;
  /** Page size when none is asked for. Default 20. */
  defaultPageSize: number;
  /** Largest page. Default 100. */
  maxPageSize: number;
  /**
   * PostgreSQL: most index entries (numbers and strings reachable by a query path) kept per object;
   * an object with more is still found by every query, only without the index. Default 256.
   */
  maxIndexEntries: number;
}

export const DEFAULT_STORAGE_OPTIONS: Readonly<StorageOptions> = Object.freeze({
  maxValueBytes: 256 * 1024,
  maxValueDepth: 32,
  maxBatch: 100,
  maxQueryDepth: 6,
  maxQueryClauses: 64,
  maxPathSegments: 8,
  maxSortFields: 3,
  defaultPageSize: 20,
  maxPageSize: 100,
  maxIndexEntries: 256,
});

/** Injection token for Partial<StorageOptions>. */
export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');
