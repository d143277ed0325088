import type { LuaBindingSet } from '@kaosnet/scripting';
import { AccountsService } from './accounts.service.js';

/**
 * Lua bindings of accounts (`kaos.account_*`), installed by libs/scripting. Each one calls
 * AccountsService with the runtime's Caller, so scripts get the same rules as REST.
 * Type-only import of @kaosnet/scripting: scripting imports this lib, not the other way round.
 */
export const ACCOUNTS_LUA_BINDINGS: LuaBindingSet<AccountsService> = {
  feature: 'accounts',
  service: AccountsService,
  bindings: [
    { name: 'account_get', args: ['string'], call: (s, caller, userId: string) => s.getAccount(caller, userId), doc: 'account_get(user_id) -> account' },
    { name: 'account_update', args: ['string', 'table'], call: (s, caller, userId: string, update) => s.updateAccount(caller, userId, update), doc: 'account_update(user_id, {displayName=…, metadata=…}) -> account' },
    { name: 'account_ban', args: ['string'], call: (s, caller, userId: string) => s.banAccount(caller, userId), doc: 'account_ban(user_id) -> account' },
  ],
};
