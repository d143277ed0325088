import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeConfig } from './config-loader.js';

describe('finalizeConfig', () => {
  it('generates a development JWT secret once and reuses it on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-cfg-'));
    try {
      const first = finalizeConfig({ dataDir: dir });
      expect(first.config.jwtSecret!.length).toBeGreaterThanOrEqual(32);
      expect(first.warnings.some((w) => w.includes('generated'))).toBe(true);
      expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.config.jwtSecret);
      const second = finalizeConfig({ dataDir: dir });
      expect(second.config.jwtSecret).toBe(first.config.jwtSecret);
      expect(second.config.database.sqlitePath).toBe(`${dir}/kaosnet.sqlite`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses an explicit secret and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-cfg-'));
    try {
      const { config } = finalizeConfig({ dataDir: dir, jwtSecret: 'x'.repeat(40) });
      expect(config.jwtSecret).toBe('x'.repeat(40));
      expect(() => readFileSync(join(dir, 'jwt-secret'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
