import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { MATCH_HANDLER_METADATA, type MatchHandler } from './match-handler.js';
import { MatchRegistry } from './match-registry.js';
import { ArenaMatch } from './example/arena.handler.js';
import { ROOMS_OPTIONS, type RoomsOptions } from './rooms.options.js';

/** Finds every provider decorated with `@MatchHandler(name)` once, at start-up, and registers it. */
@Injectable()
export class MatchHandlerExplorer implements OnModuleInit {
  readonly #logger = new Logger('Rooms');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly registry: MatchRegistry,
    @Inject(ROOMS_OPTIONS) private readonly options: RoomsOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype;
      if (!type || typeof type !== 'function' || !wrapper.instance) continue;
      const name = this.reflector.get<string | undefined>(MATCH_HANDLER_METADATA, type as new () => unknown);
      if (!name) continue;
      const handler = wrapper.instance as MatchHandler<unknown>;
      if (typeof handler.init !== 'function' || typeof handler.loop !== 'function') {
        throw new Error(`@MatchHandler('${name}') ${type.name} must implement init() and loop()`);
      }
      this.registry.registerInstance(name, handler, { origin: `provider ${type.name}` });
      this.#logger.log(`match handler "${name}" → ${type.name}`);
    }
    // The shipped example yields to a game's own handler of the same name.
    if (this.options.exampleHandlers && !this.registry.has('arena')) this.registry.registerInstance('arena', new ArenaMatch(), { origin: 'example' });
  }
}
