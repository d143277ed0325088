import type { LuaBindingSet } from '@kaosnet/scripting';
import { StorageService } from './storage.service.js';

/** Lua names are snake_case (Nakama style); the service's are camelCase. Only these fields differ. */
const FIELD: Record<string, string> = { user_id: 'userId', permission_read: 'permissionRead', permission_write: 'permissionWrite', key_prefix: 'keyPrefix' };
const toService = (o: unknown): any => {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[FIELD[k] ?? k] = v;
  return out;
};
const list = (v: unknown): any[] => (Array.isArray(v) ? v.map(toService) : []);

/**
 * Lua bindings of storage (`kaos.storage_*`), installed by libs/scripting. Every call goes through
 * StorageService with the runtime's Caller (system, origin `lua`), so permissions, sizes and
 * version checks are the service's. Objects come back as the service returns them (camelCase).
 *
 * @example (Lua)
 * local acks = kaos.storage_write({ { collection = "inventory", key = "sword", user_id = ctx.user_id, value = { n = 1 } } })
 * local objects = kaos.storage_read({ { collection = "inventory", key = "sword", user_id = ctx.user_id } })
 */
export const STORAGE_LUA_BINDINGS: LuaBindingSet<StorageService> = {
  feature: 'storage',
  service: StorageService,
  bindings: [
    { name: 'storage_write', args: ['table'], call: (s, caller, writes) => s.write(caller, list(writes)), doc: 'storage_write({{collection, key, user_id?, value, version?, permission_read?, permission_write?}}) -> acks' },
    { name: 'storage_read', args: ['table'], call: (s, caller, ids) => s.read(caller, list(ids)), doc: 'storage_read({{collection, key, user_id?}}) -> objects' },
    { name: 'storage_delete', args: ['table'], call: async (s, caller, ids) => (await s.delete(caller, list(ids)), true), doc: 'storage_delete({{collection, key, user_id?, version?}})' },
    { name: 'storage_list', args: ['string', 'table?'], call: (s, caller, collection: string, req) => s.list(caller, collection, toService(req ?? {})), doc: 'storage_list(collection, {user_id?, limit?, cursor?, key_prefix?}) -> {objects, cursor?}' },
    { name: 'storage_query', args: ['string', 'table'], call: (s, caller, collection: string, req) => s.query(caller, collection, toService(req)), doc: 'storage_query(collection, {filter, sort?, user_id?, limit?, cursor?}) -> {objects, cursor?}' },
  ],
};
