// Public surface of @kaosnet/rooms. Import only from here.
export * from './match-handler.js';
export * from './match-registry.js';
export * from './rooms.module.js';
export * from './rooms.service.js';
export * from './rooms.options.js';
export * from './rooms.errors.js';
export { Room, RoomMember, RoomStatus, type MemberWire, type RoomCounters } from './room.js';
export { MatchRuntime, type RoomCloseCause } from './match-runtime.js';
export { fixedTimestepTicks, TickStats, type Tick, type TickStreamOptions } from './tick-loop.js';
export { TickScheduler } from './tick-scheduler.js';
export { BoundedQueue } from './input-queue.js';
export { RoomsStats } from './rooms-stats.js';
export { ROOMS_ADMIN_ACCESS } from './admin/rooms-admin.access.js';
export { ArenaMatch, type ArenaState } from './example/arena.handler.js';
export * from './example/arena.protocol.js';
export { ROOMS_LUA_BINDINGS } from './rooms.lua.js';
