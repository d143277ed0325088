import { ACCOUNTS_LUA_BINDINGS } from '@kaosnet/accounts';
import type { LuaBindingSet } from './lua-binding.js';

/**
 * The core features' binding sets, each defined in its own lib's `<feature>.lua.ts`. This list is
 * the only place libs/scripting names them.
 */
export const CORE_LUA_BINDINGS: LuaBindingSet[] = [ACCOUNTS_LUA_BINDINGS];
