import type { LuaBindingSet } from '@kaosnet/scripting';
import { RoomsService } from './rooms.service.js';

/**
 * Lua bindings of rooms (`kaos.room_*`), installed by libs/scripting. They call RoomsService's
 * server-side operations (which act as the server: they take no Caller).
 *
 * @example (Lua)
 * local room = kaos.room_create("lua_arena", { mode = "ffa" }, { label = "ffa" })
 * kaos.room_signal(room.roomId, "start")
 */
export const ROOMS_LUA_BINDINGS: LuaBindingSet<RoomsService> = {
  feature: 'rooms',
  service: RoomsService,
  bindings: [
    {
      name: 'room_create',
      args: ['string', 'table?', 'table?'],
      call: async (s, _caller, module: string, params, opts: { label?: string; max_players?: number } | undefined) =>
        (await s.createMatch(module, (params as Record<string, unknown>) ?? {}, { label: opts?.label, maxPlayers: opts?.max_players })).listEntry(),
      doc: 'room_create(module, params?, {label?, max_players?}) -> {roomId, label, size, maxPlayers, state, module}',
    },
    { name: 'room_list', args: ['table?'], call: (s, _caller, q) => s.listRooms((q as Record<string, unknown>) ?? {}), doc: 'room_list({limit?, cursor?, label?}) -> {rooms, cursor?}' },
    { name: 'room_signal', args: ['string', 'string'], call: (s, _caller, roomId: string, data: string) => s.signalRoom(roomId, data) ?? null, doc: 'room_signal(room_id, data) -> data?' },
    { name: 'room_kick', args: ['string', 'number'], call: (s, _caller, roomId: string, m: number) => (s.kickMember(roomId, m), true), doc: 'room_kick(room_id, member_ref)' },
  ],
};
