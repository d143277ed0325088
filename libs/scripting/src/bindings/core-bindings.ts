import { ACCOUNTS_LUA_BINDINGS } from '@kaosnet/accounts';
import { ROOMS_LUA_BINDINGS } from '@kaosnet/rooms';
import { STORAGE_LUA_BINDINGS } from '@kaosnet/storage';
import { SESSIONS_LUA_BINDINGS } from '@kaosnet/transport';
import type { LuaBindingSet } from './lua-binding.js';

/**
 * The core features' binding sets, each defined in its own lib's `<feature>.lua.ts`. This list is
 * the only place libs/scripting names them; a set whose service is absent is skipped.
 */
export const CORE_LUA_BINDINGS: LuaBindingSet[] = [ACCOUNTS_LUA_BINDINGS, STORAGE_LUA_BINDINGS, ROOMS_LUA_BINDINGS, SESSIONS_LUA_BINDINGS];
