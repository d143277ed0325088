/**
 * The one typed configuration of a KaosNet server. Filled from environment variables
 * (`configFromEnv`) or from the fluent `ServerBuilder`; both end in `resolveConfig`, which
 * validates every key and names the key in its error.
 */
export type KaosEnv = 'development' | 'production';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface HostPort {
  host: string;
  port: number;
}

export interface DatabaseConfig {
  type: 'sqlite' | 'postgres';
  url: string;
  /** SQLite file path (or ':memory:'); undefined for PostgreSQL. */
  sqlitePath?: string;
}

export interface AuthConfig {
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** Failed email logins before the email is locked. */
  emailMaxFailures: number;
  emailLockoutSec: number;
}

export interface KaosConfig {
  env: KaosEnv;
  bind: HostPort;
  consoleBind: HostPort;
  database: DatabaseConfig;
  /** Folder for the SQLite file and the generated development JWT secret. */
  dataDir: string;
  serverKey: string;
  /** Undefined until resolved: in development a missing secret is generated and kept in dataDir. */
  jwtSecret?: string;
  httpKey: string;
  adminUsername: string;
  adminPassword: string;
  tickRate: number;
  luaDir?: string;
  maxSessions: number;
  heartbeatTimeoutSecs: number;
  logLevel: LogLevel;
  auth: AuthConfig;
  /**
   * Realtime transport overrides (a `Partial<TransportOptions>` of @kaosnet/transport: limits,
   * timeouts, UDP on/off, public endpoints…). Kept loose here so common does not depend on transport.
   */
  transport?: Record<string, unknown>;
  /** Room/match engine overrides (a `Partial<RoomsOptions>` of @kaosnet/rooms). */
  rooms?: Record<string, unknown>;
  /** Lua runtime overrides (pool size, budgets, watch…) of @kaosnet/scripting. */
  scripting?: Record<string, unknown>;
}

export const DEFAULT_SERVER_KEY = 'defaultkey';
export const DEFAULT_HTTP_KEY = 'defaulthttpkey';
export const DEFAULT_ADMIN_USERNAME = 'admin';
export const DEFAULT_ADMIN_PASSWORD = 'admin';
export const DEFAULT_JWT_SECRET_MIN_LENGTH = 32;

export const DEFAULT_CONFIG: Readonly<Omit<KaosConfig, 'jwtSecret' | 'luaDir'>> = Object.freeze({
  env: 'development' as const,
  bind: { host: '0.0.0.0', port: 7350 },
  consoleBind: { host: '0.0.0.0', port: 7351 },
  database: { type: 'sqlite' as const, url: 'sqlite:./data/kaosnet.sqlite', sqlitePath: './data/kaosnet.sqlite' },
  dataDir: './data',
  serverKey: DEFAULT_SERVER_KEY,
  httpKey: DEFAULT_HTTP_KEY,
  adminUsername: DEFAULT_ADMIN_USERNAME,
  adminPassword: DEFAULT_ADMIN_PASSWORD,
  tickRate: 60,
  maxSessions: 10_000,
  heartbeatTimeoutSecs: 30,
  logLevel: 'log' as const,
  auth: { accessTokenTtlSec: 3600, refreshTokenTtlSec: 7 * 24 * 3600, emailMaxFailures: 5, emailLockoutSec: 15 * 60 },
});

/** Start-up refused: one key, one reason. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`Invalid configuration ${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}
