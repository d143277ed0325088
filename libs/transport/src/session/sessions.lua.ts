import type { LuaBindingSet } from '@kaosnet/scripting';
import { KaosTalkGateway } from '../nest/kaostalk.gateway.js';

/**
 * Lua bindings of realtime sessions (`kaos.session_*`), installed by libs/scripting. They call the
 * session registry of the KaosTalk gateway.
 *
 * @example (Lua)
 * kaos.session_kick(ctx.session_id)
 */
export const SESSIONS_LUA_BINDINGS: LuaBindingSet<KaosTalkGateway> = {
  feature: 'sessions',
  service: KaosTalkGateway,
  bindings: [
    { name: 'session_kick', args: ['string'], call: (g, _caller, sessionId: string) => (g.registry.kick(sessionId), true), doc: 'session_kick(session_id): SessionEnd "kicked", then close (NOT_FOUND when not live)' },
  ],
};
