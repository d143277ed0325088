import {
  ConfigError,
  DatabaseConfig,
  DEFAULT_ADMIN_PASSWORD,
  DEFAULT_CONFIG,
  DEFAULT_HTTP_KEY,
  DEFAULT_JWT_SECRET_MIN_LENGTH,
  DEFAULT_SERVER_KEY,
  HostPort,
  KaosConfig,
  KaosEnv,
  LogLevel,
} from './kaos-config.js';

export function parseHostPort(key: string, value: string): HostPort {
  // IPv6 literals come bracketed ("[::1]:7350"); a bare port means all interfaces.
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim()) ?? /^()()(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(key, `expected host:port, got "${value}"`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(key, `port ${m[3]} is out of range 0-65535`);
  return { host: m[1] || m[2] || '0.0.0.0', port };
}

export function parseDatabaseUrl(key: string, url: string): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new ConfigError(key, 'sqlite URL needs a file path, e.g. sqlite:./data/kaosnet.sqlite');
    return { type: 'sqlite', url, sqlitePath: path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname) throw new Error('no host');
    } catch {
      throw new ConfigError(key, 'not a valid postgres:// URL');
    }
    return { type: 'postgres', url };
  }
  throw new ConfigError(key, 'must start with sqlite: or postgres://');
}

export function parseIntKey(key: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(key, `expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(key, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Reads exactly the documented KAOS_* variables; unknown KAOS_* names are not an error. */
export function configFromEnv(env: Record<string, string | undefined>): Partial<KaosConfig> {
  const out: Partial<KaosConfig> = {};
  const get = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v === '' ? undefined : v;
  };
  const kenv = get('KAOS_ENV');
  if (kenv !== undefined) {
    if (kenv !== 'development' && kenv !== 'production') throw new ConfigError('KAOS_ENV', 'must be development or production');
    out.env = kenv as KaosEnv;
  }
  const bind = get('KAOS_BIND');
  if (bind) out.bind = parseHostPort('KAOS_BIND', bind);
  const cbind = get('KAOS_CONSOLE_BIND');
  if (cbind) out.consoleBind = parseHostPort('KAOS_CONSOLE_BIND', cbind);
  const db = get('KAOS_DATABASE_URL');
  if (db) out.database = parseDatabaseUrl('KAOS_DATABASE_URL', db);
  const dataDir = get('KAOS_DATA_DIR');
  if (dataDir) out.dataDir = dataDir;
  const sk = get('KAOS_SERVER_KEY');
  if (sk !== undefined) out.serverKey = sk;
  const jwt = get('KAOS_JWT_SECRET');
  if (jwt !== undefined) out.jwtSecret = jwt;
  const hk = get('KAOS_HTTP_KEY');
  if (hk !== undefined) out.httpKey = hk;
  const au = get('KAOS_ADMIN_USERNAME');
  if (au !== undefined) out.adminUsername = au;
  const ap = get('KAOS_ADMIN_PASSWORD');
  if (ap !== undefined) out.adminPassword = ap;
  const tr = get('KAOS_TICK_RATE');
  if (tr !== undefined) out.tickRate = parseIntKey('KAOS_TICK_RATE', tr, 1, 120);
  const lua = get('KAOS_LUA_DIR');
  if (lua !== undefined) out.luaDir = lua;
  const ms = get('KAOS_MAX_SESSIONS');
  if (ms !== undefined) out.maxSessions = parseIntKey('KAOS_MAX_SESSIONS', ms, 1, 10_000_000);
  const hb = get('KAOS_HEARTBEAT_TIMEOUT_SECS');
  if (hb !== undefined) out.heartbeatTimeoutSecs = parseIntKey('KAOS_HEARTBEAT_TIMEOUT_SECS', hb, 1, 3600);
  const ll = get('KAOS_LOG_LEVEL');
  if (ll !== undefined) {
    if (!LOG_LEVELS.includes(ll as LogLevel)) throw new ConfigError('KAOS_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
    out.logLevel = ll as LogLevel;
  }
  return out;
}

export interface ResolvedConfig {
  config: KaosConfig;
  /** Development-only concessions the operator should read at start-up. */
  warnings: string[];
}

/**
 * Merges overrides onto defaults and validates. In production, default secrets are refused;
 * in development they are allowed with a warning.
 */
export function resolveConfig(overrides: Partial<KaosConfig>): ResolvedConfig {
  const config: KaosConfig = {
    ...structuredClone(DEFAULT_CONFIG),
    ...overrides,
    auth: { ...DEFAULT_CONFIG.auth, ...(overrides.auth ?? {}) },
  } as KaosConfig;
  if (overrides.database === undefined && overrides.dataDir !== undefined) {
    const path = `${overrides.dataDir.replace(/\/$/, '')}/kaosnet.sqlite`;
    config.database = { type: 'sqlite', url: `sqlite:${path}`, sqlitePath: path };
  }
  const warnings: string[] = [];
  const prod = config.env === 'production';
  const secret = (key: string, value: string, isDefault: boolean, minLen: number): void => {
    if (!value) throw new ConfigError(key, 'must not be empty');
    if (isDefault) {
      if (prod) throw new ConfigError(key, 'the default value is refused in production; set a secret');
      warnings.push(`${key} uses its default value: fine for development, refused in production`);
    } else if (prod && value.length < minLen) {
      throw new ConfigError(key, `must be at least ${minLen} characters in production`);
    }
  };
  secret('KAOS_SERVER_KEY', config.serverKey, config.serverKey === DEFAULT_SERVER_KEY, 8);
  secret('KAOS_HTTP_KEY', config.httpKey, config.httpKey === DEFAULT_HTTP_KEY, 16);
  secret('KAOS_ADMIN_PASSWORD', config.adminPassword, config.adminPassword === DEFAULT_ADMIN_PASSWORD, 12);
  if (!config.adminUsername || !/^[A-Za-z0-9_.-]{3,64}$/.test(config.adminUsername)) {
    throw new ConfigError('KAOS_ADMIN_USERNAME', 'must be 3-64 characters of letters, digits, _ . -');
  }
  if (config.jwtSecret === undefined) {
    if (prod) throw new ConfigError('KAOS_JWT_SECRET', 'is required in production');
  } else if (config.jwtSecret.length < DEFAULT_JWT_SECRET_MIN_LENGTH) {
    if (prod) throw new ConfigError('KAOS_JWT_SECRET', `must be at least ${DEFAULT_JWT_SECRET_MIN_LENGTH} characters`);
    warnings.push(`KAOS_JWT_SECRET is shorter than ${DEFAULT_JWT_SECRET_MIN_LENGTH} characters`);
  }
  const intIn = (key: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, `must be an integer between ${min} and ${max}`);
  };
  intIn('KAOS_TICK_RATE', config.tickRate, 1, 120);
  intIn('KAOS_MAX_SESSIONS', config.maxSessions, 1, 10_000_000);
  intIn('KAOS_HEARTBEAT_TIMEOUT_SECS', config.heartbeatTimeoutSecs, 1, 3600);
  intIn('KAOS_BIND', config.bind.port, 0, 65535);
  intIn('KAOS_CONSOLE_BIND', config.consoleBind.port, 0, 65535);
  if (config.bind.port !== 0 && config.bind.port === config.consoleBind.port && config.bind.host === config.consoleBind.host) {
    throw new ConfigError('KAOS_CONSOLE_BIND', 'must differ from KAOS_BIND');
  }
  intIn('auth.accessTokenTtlSec', config.auth.accessTokenTtlSec, 10, 30 * 24 * 3600);
  intIn('auth.refreshTokenTtlSec', config.auth.refreshTokenTtlSec, 60, 365 * 24 * 3600);
  intIn('auth.emailMaxFailures', config.auth.emailMaxFailures, 1, 1000);
  intIn('auth.emailLockoutSec', config.auth.emailLockoutSec, 1, 7 * 24 * 3600);
  return { config, warnings };
}
