import { Logger } from '@nestjs/common';
import type { Server as HttpServer } from 'node:http';
import type { Clock } from '@kaosnet/common';
import { KaosTalkDispatcher } from '../dispatch/kaostalk-dispatcher.js';
import { SessionRegistry } from '../session/session-registry.js';
import { SessionStarter, type SessionAuthority } from '../session/session-starter.js';
import type { TransportOptions } from '../transport.options.js';
import { WsEndpoint, type WsTokenVerifier } from '../ws/ws-endpoint.js';
import type { UdpEndpoint } from '../udp/udp-endpoint.js';

/** A transport endpoint the gateway starts and stops (UDP; WS is built in). */
export interface TransportEndpoint {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The realtime side of the server in one object: session registry, dispatcher, SessionStart
 * logic and the endpoints. Built by TransportModule; started by KaosTalkServer.listen().
 */
export class KaosTalkGateway {
  readonly #logger = new Logger('KaosTalk');
  readonly registry: SessionRegistry;
  readonly dispatcher: KaosTalkDispatcher;
  readonly starter: SessionStarter;
  readonly ws: WsEndpoint;
  /** The RUDP endpoint, when UDP is enabled. */
  udp?: UdpEndpoint;
  readonly #endpoints: TransportEndpoint[] = [];
  #httpServer?: () => HttpServer;
  #started = false;
  readonly #onStarted: (() => void)[] = [];

  constructor(
    readonly options: TransportOptions,
    readonly clock: Clock,
    authority: SessionAuthority,
    verifier: WsTokenVerifier,
  ) {
    const logInternal = (op: number, error: unknown) =>
      this.#logger.error(`op 0x${op.toString(16)} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    this.registry = new SessionRegistry(options, clock);
    this.dispatcher = new KaosTalkDispatcher(this.registry, options, clock, logInternal);
    this.starter = new SessionStarter(this.registry, authority, options, clock, logInternal);
    this.ws = new WsEndpoint(options, this.registry, this.dispatcher, this.starter, verifier, clock);
  }

  /** Where the WebSocket endpoint listens for upgrades (the client HTTP server). */
  useHttpServer(server: () => HttpServer): void {
    this.#httpServer = server;
  }

  /** Runs after every endpoint has started (ports known). */
  onStarted(hook: () => void): void {
    this.#onStarted.push(hook);
  }

  addEndpoint(endpoint: TransportEndpoint): void {
    this.#endpoints.push(endpoint);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#httpServer) this.ws.attach(this.#httpServer());
    for (const e of this.#endpoints) await e.start();
    for (const hook of this.#onStarted) hook();
  }

  /** Graceful: every session gets SessionEnd `shutdown`, then the endpoints close. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.registry.drain();
    // Let the SessionEnd messages leave before sockets close.
    await new Promise((r) => setImmediate(r));
    for (const e of this.#endpoints) await e.stop();
    await this.ws.close();
    this.registry.dispose();
  }
}
