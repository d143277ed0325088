import type { DynamicModule, Type } from '@nestjs/common';
import { configFromEnv, parseDatabaseUrl, parseHostPort, type KaosConfig, type KaosEnv, type LogLevel } from '@kaosnet/common';
import { finalizeConfig } from './config/config-loader.js';
import { KaosServer } from './kaos-server.js';

/**
 * Fluent start-up, the TypeScript twin of the seed's `ServerBuilder`.
 *
 * @example
 * const server = ServerBuilder.fromEnv()
 *   .bind('0.0.0.0:7350')
 *   .consoleBind('0.0.0.0:7351')
 *   .tickRate(60)
 *   .luaScripts('scripts')
 *   .maxSessions(10_000)
 *   .heartbeatTimeoutSecs(30)
 *   .modules([MyGameModule])
 *   .build();
 * await server.run();
 *
 * Values set on the builder win over environment variables; `build()` validates everything and
 * throws a `ConfigError` naming the key.
 */
export class ServerBuilder {
  readonly #overrides: Partial<KaosConfig>;
  readonly #modules: (Type | DynamicModule)[] = [];
  #pgSchema?: string;

  constructor(base: Partial<KaosConfig> = {}) {
    this.#overrides = { ...base };
  }

  /** Starts from the documented KAOS_* environment variables. */
  static fromEnv(env: Record<string, string | undefined> = process.env): ServerBuilder {
    return new ServerBuilder(configFromEnv(env));
  }

  bind(address: string): this {
    this.#overrides.bind = parseHostPort('bind', address);
    return this;
  }
  consoleBind(address: string): this {
    this.#overrides.consoleBind = parseHostPort('consoleBind', address);
    return this;
  }
  tickRate(hz: number): this {
    this.#overrides.tickRate = hz;
    return this;
  }
  luaScripts(dir: string): this {
    this.#overrides.luaDir = dir;
    return this;
  }
  maxSessions(n: number): this {
    this.#overrides.maxSessions = n;
    return this;
  }
  heartbeatTimeoutSecs(secs: number): this {
    this.#overrides.heartbeatTimeoutSecs = secs;
    return this;
  }
  /** `sqlite:./data/kaosnet.sqlite` (default) or `postgres://user@host:5432/db`. */
  database(url: string): this {
    this.#overrides.database = parseDatabaseUrl('database', url);
    return this;
  }
  dataDir(dir: string): this {
    this.#overrides.dataDir = dir;
    return this;
  }
  serverKey(key: string): this {
    this.#overrides.serverKey = key;
    return this;
  }
  httpKey(key: string): this {
    this.#overrides.httpKey = key;
    return this;
  }
  jwtSecret(secret: string): this {
    this.#overrides.jwtSecret = secret;
    return this;
  }
  admin(username: string, password: string): this {
    this.#overrides.adminUsername = username;
    this.#overrides.adminPassword = password;
    return this;
  }
  env(env: KaosEnv): this {
    this.#overrides.env = env;
    return this;
  }
  logLevel(level: LogLevel): this {
    this.#overrides.logLevel = level;
    return this;
  }
  /** Any other option (e.g. `auth` token lifetimes), merged over what is set. */
  with(options: Partial<KaosConfig>): this {
    Object.assign(this.#overrides, options);
    return this;
  }
  /** Game modules: match handlers, RPCs and hooks as Nest providers. */
  modules(modules: (Type | DynamicModule)[]): this {
    this.#modules.push(...modules);
    return this;
  }
  /** Tests only: run against a fresh PostgreSQL schema. */
  postgresSchema(schema: string): this {
    this.#pgSchema = schema;
    return this;
  }

  build(): KaosServer {
    const { config, warnings } = finalizeConfig(this.#overrides);
    return new KaosServer({ config, warnings, modules: this.#modules, pgSchema: this.#pgSchema });
  }
}
