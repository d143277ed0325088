import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type KaosConfig, resolveConfig, type ResolvedConfig } from '@kaosnet/common';

const JWT_SECRET_FILE = 'jwt-secret';

/**
 * Completes a resolved config with what needs the file system: in development a missing JWT
 * secret is generated once and kept in the data folder, so issued tokens survive restarts.
 */
export function finalizeConfig(overrides: Partial<KaosConfig>): ResolvedConfig {
  const resolved = resolveConfig(overrides);
  const { config } = resolved;
  if (config.jwtSecret === undefined) {
    const file = join(config.dataDir, JWT_SECRET_FILE);
    try {
      if (existsSync(file)) {
        config.jwtSecret = readFileSync(file, 'utf8').trim();
      } else {
        mkdirSync(config.dataDir, { recursive: true });
        config.jwtSecret = randomBytes(48).toString('base64url');
        writeFileSync(file, config.jwtSecret + '\n', { mode: 0o600 });
        resolved.warnings.push(`KAOS_JWT_SECRET not set: generated one in ${file} (development only)`);
      }
    } catch (error) {
      throw new ConfigError('KAOS_JWT_SECRET', `not set, and ${file} could not be read or written: ${(error as Error).message}`);
    }
    if (config.jwtSecret.length < 32) throw new ConfigError('KAOS_JWT_SECRET', `${file} holds a secret shorter than 32 characters`);
  }
  return resolved;
}
