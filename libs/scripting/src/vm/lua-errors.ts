import { ErrorCode, KaosError, isErrorCode } from '@kaosnet/common';
import { lua, luaDebugInfo, toJsString, type LuaState } from './fengari.js';
import { decodeLuaString } from './lua-marshal.js';

export interface ScriptLocation {
  /** Script (module file) name, e.g. `purchase.lua`; undefined when no Lua frame is known. */
  script?: string;
  line?: number;
}

/**
 * A script failed. The one-error-type rule: a Lua `error({message = "...", code = "NOT_FOUND"})`
 * surfaces as KaosError NOT_FOUND with that message; anything else (a runtime error, a budget or
 * size limit, a bad return value) is INTERNAL, whose message (with script and line) reaches logs
 * and the admin API but never a player.
 */
export class ScriptFailure extends KaosError {
  readonly script?: string;
  readonly line?: number;
  /** The script's own error text, without the `script:line:` prefix. */
  readonly scriptMessage: string;
  /** What was running (`rpc purchase_item`, `before account.update`, `match_loop arena`…). */
  readonly label: string;
  /** Set when the instruction budget, the watchdog or the memory net stopped the script. */
  readonly limit?: string;

  constructor(code: ErrorCode, label: string, scriptMessage: string, where: ScriptLocation, limit?: string) {
    const at = where.script ? ` at ${where.script}${where.line ? `:${where.line}` : ''}` : '';
    super(code, code === ErrorCode.INTERNAL ? `${label} failed${at}: ${scriptMessage}` : scriptMessage, { reason: code === ErrorCode.INTERNAL ? 'SCRIPT_ERROR' : undefined });
    this.name = 'ScriptFailure';
    this.script = where.script;
    this.line = where.line;
    this.scriptMessage = scriptMessage;
    this.label = label;
    this.limit = limit;
  }

  /** For admin surfaces and logs: where and what. */
  toReport(): { label: string; script?: string; line?: number; message: string; code: ErrorCode; limit?: string } {
    return { label: this.label, script: this.script, line: this.line, message: this.scriptMessage, code: this.code, limit: this.limit };
  }
}

/** Chunk name of the sandbox prelude: its frames are never the script's fault. */
export const SANDBOX_CHUNK = 'kaos-sandbox';

const POSITION = /^([^\s:][^:]*):(\d+): ([\s\S]*)$/;

/**
 * Builds the ScriptFailure for a failed thread (error value on top of its stack, frames still
 * inspectable) or passes a host KaosError through.
 */
export function failureFromLua(source: unknown, label: string, limit?: string): KaosError {
  const failed = source as { thread?: LuaState; main?: LuaState };
  if (failed?.thread === undefined || failed.main === undefined) {
    if (source instanceof KaosError) return source;
    return new ScriptFailure(ErrorCode.INTERNAL, label, source instanceof Error ? source.message : String(source), {});
  }
  const where = locate(failed.thread);
  // Inspect the error value on the main stack: the failed thread may have no room left (an
  // overflow is one way to fail), and pushing onto it would throw inside fengari.
  const thread = failed.main;
  lua.lua_checkstack(thread, 4);
  if (failed.thread !== thread) lua.lua_xmove(failed.thread, thread, 1);
  else lua.lua_pushvalue(thread, -1);
  try {
    return describe(thread, label, where, limit);
  } finally {
    lua.lua_pop(thread, 1);
  }
}

function describe(thread: LuaState, label: string, where: ScriptLocation, limit: string | undefined): ScriptFailure {
  const t = lua.lua_type(thread, -1);
  if (t === lua.LUA_TTABLE) {
    const code = field(thread, 'code');
    const message = field(thread, 'message') ?? field(thread, 'msg') ?? 'error';
    if (limit === undefined && isErrorCode(code)) return new ScriptFailure(code, label, message, where);
    return new ScriptFailure(ErrorCode.INTERNAL, label, code ? `${message} (code ${code} is not in the catalogue)` : message, where, limit);
  }
  let text = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? decodeLuaString(lua.lua_tolstring(thread, -1)) : `error object is a ${toJsString(lua.lua_typename(thread, t))}`;
  const m = POSITION.exec(text);
  if (m) {
    // The message's own position wins: `error(msg, 2)` blames the caller on purpose.
    text = m[3]!;
    where.script = m[1];
    where.line = Number(m[2]);
  }
  return new ScriptFailure(ErrorCode.INTERNAL, label, limit ?? text, where, limit);
}

function field(L: LuaState, name: string): string | undefined {
  lua.lua_getfield(L, -1, name);
  const v = lua.lua_type(L, -1) === lua.LUA_TSTRING ? decodeLuaString(lua.lua_tolstring(L, -1)) : undefined;
  lua.lua_pop(L, 1);
  return v;
}

/** The innermost Lua frame with a line: where the script was when it failed. */
function locate(thread: LuaState): ScriptLocation {
  const ar = luaDebugInfo();
  for (let level = 0; level < 64 && lua.lua_getstack(thread, level, ar); level++) {
    lua.lua_getinfo(thread, 'Sl', ar);
    if (ar.currentline <= 0) continue;
    const script = toJsString(ar.short_src);
    if (script !== SANDBOX_CHUNK) return { script, line: ar.currentline };
  }
  return {};
}
