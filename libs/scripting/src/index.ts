// Public surface of @kaosnet/scripting. Import only from here.
export * from './scripting.module.js';
export * from './scripting.options.js';
export { HOOK_RUNNER, type HookRunner } from './hooks/hook-runner.js';
export { HOOK_OPERATIONS, isHookOperation, type HookOperation } from './hooks/hook-operations.js';
export { RpcRegistry, KaosRpc, KAOS_RPC_METADATA, type RpcContext, type RpcFunction } from './rpc/rpc.registry.js';
export type { LuaArgKind, LuaBinding, LuaBindingSet } from './bindings/lua-binding.js';
export { LuaBindingRegistry, type ResolvedLuaBinding } from './bindings/lua-binding.registry.js';
export { ScriptingRuntime, luaContext, type ReloadResult } from './runtime/scripting-runtime.js';
export { ScriptSet, type ScriptFile } from './runtime/script-set.js';
export { Generation, type RuntimeSummary, type ScriptVm } from './runtime/generation.js';
export { LuaMatchHandler, type LuaMatchState } from './match/lua-match-handler.js';
export { LuaVm, DEFAULT_VM_LIMITS, type LuaVmLimits } from './vm/lua-vm.js';
export { ScriptFailure, type ScriptLocation } from './vm/lua-errors.js';
export { DEFAULT_MARSHAL_LIMITS, type MarshalLimits, type PlainValue } from './vm/lua-marshal.js';
