import { SystemClock, type Clock } from '@kaosnet/common';
import { openTestDatabase, type Dialect, type TestDatabase } from '@kaosnet/database';
import { StorageRepository } from '../storage.repository.js';
import { StorageService } from '../storage.service.js';
import { STORAGE_SCHEMA } from '../storage.schema.js';
import type { StorageOptions } from '../storage.types.js';

/** A StorageService over a fresh real database of `dialect` (integration suites, benches). */
export async function openStorage(dialect: Dialect, options: Partial<StorageOptions> = {}, clock: Clock = new SystemClock()): Promise<{ db: TestDatabase; sut: StorageService }> {
  const db = await openTestDatabase(dialect, [STORAGE_SCHEMA]);
  return { db, sut: new StorageService(new StorageRepository(db.dataSource), clock, options) };
}

/** Small seeded PRNG (mulberry32): the same seed gives the same cases on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
