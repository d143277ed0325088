export * from './storage.module.js';
export * from './storage.schema.js';
export * from './storage.types.js';
export { StorageService } from './storage.service.js';
export { Storage, type StorageSetOptions } from './storage.api.js';
export { Query, QueryOp, type FieldCondition } from './query/query-builder.js';
export { StorageReason } from './storage.errors.js';
export { StorageObjectEntity } from './entities/storage-object.entity.js';
export { STORAGE_LUA_BINDINGS } from './storage.lua.js';
