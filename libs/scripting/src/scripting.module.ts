import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { KAOS_CONFIG, type KaosConfig } from '@kaosnet/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AdminModule } from '@kaosnet/admin';
import { LuaBindingRegistry } from './bindings/lua-binding.registry.js';
import { HOOK_RUNNER } from './hooks/hook-runner.js';
import { LuaHookRunner } from './hooks/lua-hook-runner.js';
import { RpcAuthGuard } from './http/rpc-auth.guard.js';
import { RpcController } from './http/rpc.controller.js';
import { RpcHandlers } from './http/rpc.handlers.js';
import { ScriptingAdminController } from './http/scripting-admin.controller.js';
import { RpcRegistry } from './rpc/rpc.registry.js';
import { ScriptingRuntime } from './runtime/scripting-runtime.js';
import { SCRIPTING_OPTIONS, scriptingOptionsFrom } from './scripting.options.js';

/**
 * Lua scripting (fengari): the runtime and its VM pool, RPC dispatch (REST, KaosTalk Rpc op,
 * admin), hooks for feature services (HOOK_RUNNER), Lua match modules registered with the rooms
 * engine, and the admin API. Global so feature services can inject HOOK_RUNNER optionally and game
 * modules can inject RpcRegistry / LuaBindingRegistry.
 */
@Global()
@Module({
  imports: [AccountsModule, AdminModule, DiscoveryModule],
  controllers: [RpcController, RpcHandlers, ScriptingAdminController],
  providers: [
    { provide: SCRIPTING_OPTIONS, useFactory: (config: KaosConfig) => scriptingOptionsFrom(config), inject: [KAOS_CONFIG] },
    ScriptingRuntime,
    LuaBindingRegistry,
    RpcRegistry,
    LuaHookRunner,
    { provide: HOOK_RUNNER, useExisting: LuaHookRunner },
    RpcAuthGuard,
  ],
  exports: [ScriptingRuntime, LuaBindingRegistry, RpcRegistry, HOOK_RUNNER, SCRIPTING_OPTIONS],
})
export class ScriptingModule {}
