import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { KaosError, type Caller } from '@kaosnet/common';
import { AdminAccess, AdminCaller } from '@kaosnet/admin';
import { LuaBindingRegistry } from '../bindings/lua-binding.registry.js';
import { HOOK_OPERATIONS } from '../hooks/hook-operations.js';
import { RpcRegistry } from '../rpc/rpc.registry.js';
import { ScriptingRuntime } from '../runtime/scripting-runtime.js';
import { ScriptFailure } from '../vm/lua-errors.js';

/** Console API of the Lua runtime (console port only). */
@ApiTags('admin: scripts')
@Controller('admin')
export class ScriptingAdminController {
  constructor(
    private readonly runtime: ScriptingRuntime,
    private readonly rpcs: RpcRegistry,
    private readonly bindings: LuaBindingRegistry,
  ) {}

  @Get('scripts')
  @AdminAccess({ role: 'viewer', scope: 'scripts:read' })
  @ApiOperation({ summary: 'Scripts of the running version: names, sizes; the last reload and its error, if any.' })
  @ApiOkResponse({ description: '{ names, sizes, version, lastReload }' })
  scripts() {
    const g = this.runtime.generation;
    return {
      dir: this.runtime.scriptsDir ?? null,
      version: g?.version ?? 0,
      loadedAt: g?.loadedAt ?? null,
      scripts: [...(g?.scripts.files.values() ?? [])].map((f) => ({ name: f.file, module: f.module, size: f.size })),
      lastReload: this.runtime.lastReload ?? null,
    };
  }

  @Get('scripts/:name')
  @AdminAccess({ role: 'viewer', scope: 'scripts:read' })
  @ApiOperation({ summary: 'Content of one script of the running version.' })
  @ApiOkResponse({ description: '{ name, module, size, content }' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such script in the running version' })
  script(@Param('name') name: string) {
    const file = this.runtime.generation?.scripts.files.get(name);
    if (!file) throw KaosError.notFound(`script "${name}" not found`);
    return { name: file.file, module: file.module, size: file.size, content: file.source };
  }

  @Get('runtime')
  @AdminAccess({ role: 'viewer', scope: 'scripts:read' })
  @ApiOperation({ summary: 'Registered RPCs (Lua and TypeScript), hooks, match modules, bindings, pool and recent script errors.' })
  @ApiOkResponse({ description: 'runtime description' })
  runtimeInfo() {
    const g = this.runtime.generation;
    return {
      version: g?.version ?? 0,
      rpcs: { ...this.rpcs.list(), lua: g?.summary.rpcs ?? [] },
      hooks: { operations: HOOK_OPERATIONS, before: g?.summary.before ?? [], after: g?.summary.after ?? [] },
      matches: g?.summary.matches ?? [],
      bindings: this.bindings.resolve().map((b) => ({ name: `kaos.${b.binding.name}`, feature: b.feature, args: b.binding.args })),
      missingFeatures: this.bindings.missing(),
      pool: g?.poolStats ?? null,
      options: this.runtime.options,
      recentErrors: this.runtime.recentErrors(),
    };
  }

  @Post('scripts/reload')
  @HttpCode(200)
  @AdminAccess({ role: 'developer', scope: 'scripts:write' })
  @ApiOperation({ summary: 'Loads every script into fresh VMs and swaps them in; on error the running version stays (ok: false, error).' })
  @ApiOkResponse({ description: '{ ok, version, error? }' })
  reload() {
    return this.runtime.reload();
  }

  @Post('rpc/:id')
  @HttpCode(200)
  @AdminAccess({ role: 'developer', scope: 'rpc:execute' })
  @ApiOperation({ summary: 'Runs an RPC as the system (console "execute RPC"). A script failure answers 200 with {error: {script, line, message}}.' })
  @ApiOkResponse({ description: '{ payload? } or { error: {script, line, message, code, limit?} }' })
  async execute(@Param('id') id: string, @Body() body: unknown, @AdminCaller() caller: Caller) {
    const payload = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0) ? undefined : JSON.stringify(body);
    try {
      const out = await this.rpcs.call({ caller }, id, payload);
      return out === undefined ? {} : { payload: out };
    } catch (error) {
      // Admins see where a script failed; players only ever see the public error.
      if (error instanceof ScriptFailure && error.code === 'INTERNAL') return { error: error.toReport() };
      throw error;
    }
  }
}
