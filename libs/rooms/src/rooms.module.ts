import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Clock, KAOS_CONFIG } from '@kaosnet/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AdminModule } from '@kaosnet/admin';
import { TransportModule } from '@kaosnet/transport';
import { RoomsAdminController } from './admin/rooms-admin.controller.js';
import { SessionsAdminController } from './admin/sessions-admin.controller.js';
import { MatchHandlerExplorer } from './match-handler.explorer.js';
import { MatchRegistry } from './match-registry.js';
import { RoomsController } from './rooms.controller.js';
import { RoomsHandlers } from './rooms.handlers.js';
import { ROOMS_OPTIONS, ROOMS_SCHEDULER, roomsOptionsFrom } from './rooms.options.js';
import { RoomsService } from './rooms.service.js';
import { TickScheduler } from './tick-scheduler.js';

/**
 * Rooms and matches: KaosTalk room ops, the RoomData hot path, authoritative match handlers
 * discovered from `@MatchHandler(name)` providers, `GET /api/rooms`, and the admin status /
 * sessions / rooms routes. Game modules register handlers by decorating providers; other
 * engines inject `MatchRegistry` and call `register(name, factory)`.
 */
@Module({
  imports: [DiscoveryModule, TransportModule, AccountsModule, AdminModule],
  controllers: [RoomsHandlers, RoomsController, RoomsAdminController, SessionsAdminController],
  providers: [
    { provide: ROOMS_OPTIONS, inject: [KAOS_CONFIG], useFactory: roomsOptionsFrom },
    { provide: ROOMS_SCHEDULER, inject: [Clock], useFactory: (clock: Clock) => new TickScheduler(clock) },
    MatchRegistry,
    MatchHandlerExplorer,
    RoomsService,
  ],
  exports: [RoomsService, MatchRegistry, ROOMS_OPTIONS],
})
export class RoomsModule {}
