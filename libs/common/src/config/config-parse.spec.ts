import { describe, expect, it } from '@jest/globals';
import { configFromEnv, parseDatabaseUrl, parseHostPort, resolveConfig } from './config-parse.js';
import { ConfigError } from './kaos-config.js';

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configFromEnv + resolveConfig', () => {
  it('gives the documented defaults with no environment', () => {
    const { config, warnings } = resolveConfig(configFromEnv({}));
    expect(config.bind).toEqual({ host: '0.0.0.0', port: 7350 });
    expect(config.consoleBind).toEqual({ host: '0.0.0.0', port: 7351 });
    expect(config.database).toEqual({ type: 'sqlite', url: 'sqlite:./data/kaosnet.sqlite', sqlitePath: './data/kaosnet.sqlite' });
    expect(config.serverKey).toBe('defaultkey');
    expect(config.env).toBe('development');
    expect(config.auth).toEqual({ accessTokenTtlSec: 3600, refreshTokenTtlSec: 604800, emailMaxFailures: 5, emailLockoutSec: 900 });
    expect(warnings.some((w) => w.includes('KAOS_SERVER_KEY'))).toBe(true);
    expect(warnings.some((w) => w.includes('KAOS_ADMIN_PASSWORD'))).toBe(true);
  });

  it('reads every documented variable', () => {
    const { config } = resolveConfig(
      configFromEnv({
        KAOS_BIND: '127.0.0.1:9000',
        KAOS_CONSOLE_BIND: '[::1]:9001',
        KAOS_DATABASE_URL: 'postgres://u@db.example:5432/kaos',
        KAOS_SERVER_KEY: 'sk-123456',
        KAOS_JWT_SECRET: 'j'.repeat(40),
        KAOS_ADMIN_USERNAME: 'root',
        KAOS_ADMIN_PASSWORD: 'hunter2hunter2',
        KAOS_ENV: 'development',
        KAOS_TICK_RATE: '30',
        KAOS_LUA_DIR: './lua',
        KAOS_MAX_SESSIONS: '500',
        KAOS_HEARTBEAT_TIMEOUT_SECS: '12',
        KAOS_LOG_LEVEL: 'debug',
      }),
    );
    expect(config.bind).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.consoleBind).toEqual({ host: '::1', port: 9001 });
    expect(config.database.type).toBe('postgres');
    expect(config).toMatchObject({ serverKey: 'sk-123456', adminUsername: 'root', tickRate: 30, luaDir: './lua', maxSessions: 500, heartbeatTimeoutSecs: 12, logLevel: 'debug' });
  });

  it.each([
    ['KAOS_BIND', 'nonsense'],
    ['KAOS_BIND', '1.2.3.4:70000'],
    ['KAOS_CONSOLE_BIND', 'host:'],
    ['KAOS_DATABASE_URL', 'mysql://x'],
    ['KAOS_DATABASE_URL', 'sqlite:'],
    ['KAOS_TICK_RATE', '0'],
    ['KAOS_TICK_RATE', 'fast'],
    ['KAOS_MAX_SESSIONS', '-1'],
    ['KAOS_HEARTBEAT_TIMEOUT_SECS', '1.5'],
    ['KAOS_LOG_LEVEL', 'loud'],
    ['KAOS_ENV', 'staging'],
    ['KAOS_ADMIN_USERNAME', 'a b'],
  ])('refuses %s=%j naming the key', (key, value) => {
    const error = configErrorOf(() => resolveConfig(configFromEnv({ [key]: value })));
    expect(error.key).toBe(key);
    expect(error.message).toContain(key);
  });

  it('refuses the same host:port for client and console', () => {
    expect(configErrorOf(() => resolveConfig(configFromEnv({ KAOS_BIND: '0.0.0.0:8000', KAOS_CONSOLE_BIND: '0.0.0.0:8000' }))).key).toBe('KAOS_CONSOLE_BIND');
  });

  describe('in production', () => {
    const secure = {
      KAOS_ENV: 'production',
      KAOS_SERVER_KEY: 'a-strong-server-key',
      KAOS_HTTP_KEY: 'a-strong-http-key-123',
      KAOS_JWT_SECRET: 's'.repeat(48),
      KAOS_ADMIN_PASSWORD: 'a-long-admin-password',
    };
    it('accepts explicit secrets', () => {
      expect(resolveConfig(configFromEnv(secure)).warnings).toEqual([]);
    });
    it.each(['KAOS_SERVER_KEY', 'KAOS_HTTP_KEY', 'KAOS_ADMIN_PASSWORD', 'KAOS_JWT_SECRET'])('refuses a default or missing %s', (key) => {
      const env: Record<string, string | undefined> = { ...secure, [key]: undefined };
      expect(configErrorOf(() => resolveConfig(configFromEnv(env))).key).toBe(key);
    });
    it('refuses a short JWT secret', () => {
      expect(configErrorOf(() => resolveConfig(configFromEnv({ ...secure, KAOS_JWT_SECRET: 'short' }))).key).toBe('KAOS_JWT_SECRET');
    });
  });
});

describe('parseHostPort', () => {
  it('accepts host:port, [v6]:port and a bare port', () => {
    expect(parseHostPort('k', 'localhost:1')).toEqual({ host: 'localhost', port: 1 });
    expect(parseHostPort('k', '[::]:7350')).toEqual({ host: '::', port: 7350 });
    expect(parseHostPort('k', '7350')).toEqual({ host: '0.0.0.0', port: 7350 });
  });
});

describe('parseDatabaseUrl', () => {
  it('selects sqlite or postgres by scheme', () => {
    expect(parseDatabaseUrl('k', 'sqlite:/var/lib/k.sqlite')).toEqual({ type: 'sqlite', url: 'sqlite:/var/lib/k.sqlite', sqlitePath: '/var/lib/k.sqlite' });
    expect(parseDatabaseUrl('k', 'postgresql://a@b/c').type).toBe('postgres');
  });
});
