import 'reflect-metadata';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type DynamicModule, type INestApplication, type LogLevel as NestLogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { KaosConfig, LogLevel } from '@kaosnet/common';
import { KaosTalkGateway, KaosTalkServer } from '@kaosnet/transport';
import { AppModule } from './app.module.js';
import { createPortRouter } from './http/port-router.js';
import { setupSwagger } from './http/swagger.js';
import { createValidationPipe } from './http/validation.pipe.js';
import { ShutdownState } from './shutdown-state.js';

export interface KaosServerOptions {
  config: KaosConfig;
  warnings?: string[];
  modules?: (Type | DynamicModule)[];
  /** Tests only: a PostgreSQL schema holding a fresh database. */
  pgSchema?: string;
  /** Max JSON body size for REST (default 4 MiB: a storage batch of 100 × 256 KiB is refused by the service first). */
  bodyLimit?: string;
}

export interface KaosServerAddresses {
  /** e.g. http://127.0.0.1:7350 */
  clientUrl: string;
  consoleUrl: string;
  clientPort: number;
  consolePort: number;
}

const LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * A running KaosNet: one Nest application listening on the client port and the console port.
 * Start it with `ServerBuilder` (see server-builder.ts) or `new KaosServer({config}).start()`.
 */
export class KaosServer {
  readonly #options: KaosServerOptions;
  readonly #logger = new Logger('KaosNet');
  #app?: NestExpressApplication;
  #consoleServer?: HttpServer;
  #consolePorts = new Set<number>();
  #stopping?: Promise<void>;

  constructor(options: KaosServerOptions) {
    this.#options = options;
  }

  get config(): KaosConfig {
    return this.#options.config;
  }

  /** The Nest application, for game code that wants to `get()` a provider after start. */
  get app(): INestApplication {
    if (!this.#app) throw new Error('KaosServer is not started');
    return this.#app;
  }

  async start(): Promise<KaosServerAddresses> {
    const { config } = this.#options;
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, modules: this.#options.modules, pgSchema: this.#options.pgSchema }),
      { logger: LEVELS[config.logLevel], bodyParser: false, abortOnError: false },
    );
    this.#app = app;
    for (const warning of this.#options.warnings ?? []) this.#logger.warn(warning);
    app.use(createPortRouter(() => this.#consolePorts));
    app.useBodyParser('json', { limit: this.#options.bodyLimit ?? '4mb' });
    app.useGlobalPipes(createValidationPipe());
    setupSwagger(app);
    await app.init();

    await app.listen(config.bind.port, config.bind.host);
    const clientPort = (app.getHttpServer().address() as AddressInfo).port;

    const consoleServer = createServer(app.getHttpAdapter().getInstance());
    this.#consoleServer = consoleServer;
    await new Promise<void>((resolve, reject) => {
      consoleServer.once('error', reject);
      consoleServer.listen(config.consoleBind.port, config.consoleBind.host, () => resolve());
    });
    const consolePort = (consoleServer.address() as AddressInfo).port;
    this.#consolePorts.add(consolePort);

    // KaosTalk (UDP + WebSocket on the client port) as a Nest microservice of this hybrid app.
    // Started after the HTTP listeners so the ports it advertises in connect tokens are known.
    const gateway = app.get(KaosTalkGateway);
    app.connectMicroservice({ strategy: new KaosTalkServer(gateway) }, { inheritAppConfig: true });
    await app.startAllMicroservices();

    const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h);
    const addresses: KaosServerAddresses = {
      clientUrl: `http://${host(config.bind.host)}:${clientPort}`,
      consoleUrl: `http://${host(config.consoleBind.host)}:${consolePort}`,
      clientPort,
      consolePort,
    };
    this.#logger.log(`Client API on ${config.bind.host}:${clientPort} (docs ${addresses.clientUrl}/docs), console on ${config.consoleBind.host}:${consolePort} (docs ${addresses.consoleUrl}/docs), database ${config.database.type}`);
    return addresses;
  }

  /**
   * Graceful stop: refuse new work, stop accepting connections, let in-flight requests finish
   * (bounded by `timeoutMs`), then close every module (database last).
   */
  stop(timeoutMs = 10_000): Promise<void> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<void> {
    const app = this.#app;
    if (!app) return;
    app.get(ShutdownState).draining = true;
    // Realtime first: every session gets SessionEnd `shutdown` and its socket closes, so the HTTP
    // server (which also holds the upgraded WebSocket sockets) can then close promptly.
    await app.get(KaosTalkGateway).stop();
    const servers = [app.getHttpServer() as HttpServer, this.#consoleServer].filter((s): s is HttpServer => !!s);
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeIdleConnections();
    })));
    const timer = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), timeoutMs);
    await closed;
    clearTimeout(timer);
    await app.close();
    this.#logger.log('Stopped');
  }

  /** start() plus SIGTERM/SIGINT handling: drain, close the database, exit 0. */
  async run(): Promise<KaosServerAddresses> {
    const addresses = await this.start();
    const onSignal = (signal: string) => {
      this.#logger.log(`${signal} received: draining`);
      this.stop().then(
        () => process.exit(0),
        (error) => {
          this.#logger.error(`Shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return addresses;
  }
}
