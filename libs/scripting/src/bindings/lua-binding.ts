import type { Caller } from '@kaosnet/common';

/** Argument kinds of a binding; a trailing `?` makes it optional (nil allowed). */
export type LuaArgKind = 'string' | 'number' | 'boolean' | 'table' | 'any' | 'string?' | 'number?' | 'boolean?' | 'table?' | 'any?';

/**
 * One `kaos.<name>` function. `call` receives the feature's core service, the Caller the
 * runtime acts as (system, origin `lua`), and the arguments already checked and converted to
 * plain data. It may return a value or a Promise (the script waits through coroutine
 * yield/resume); what it returns is handed back to Lua as plain data. A KaosError it throws
 * reaches the script as the error table `{message, code}`.
 */
export interface LuaBinding<S = unknown> {
  name: string;
  args: readonly LuaArgKind[];
  call: (service: S, caller: Caller, ...args: any[]) => unknown;
  /** One line for `GET /admin/runtime` and the docs. */
  doc?: string;
}

/**
 * A feature's contribution to the `kaos` module: one table per feature, kept in the feature's
 * own `<feature>.lua.ts` (accounts.lua.ts, storage.lua.ts, …). `service` is the Nest token of the
 * core service; the set is skipped (and reported) when the server runs without that feature.
 *
 * @example
 * export const ACCOUNTS_LUA_BINDINGS: LuaBindingSet<AccountsService> = {
 *   feature: 'accounts',
 *   service: AccountsService,
 *   bindings: [{ name: 'account_get', args: ['string'], call: (s, caller, id) => s.getAccount(caller, id) }],
 * };
 */
export interface LuaBindingSet<S = any> {
  feature: string;
  service: abstract new (...args: any[]) => S;
  bindings: readonly LuaBinding<S>[];
}
