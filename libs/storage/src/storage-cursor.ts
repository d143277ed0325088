import { createHash } from 'node:crypto';
import { isPlainObject } from '@kaosnet/common';
import { StorageErrors } from './storage.errors.js';

/** Position after the last row of a page: sort keys (rank, number, string per sort path), owner, key. */
export interface StoragePosition {
  sortKeys: [number, number, string][];
  userId: string;
  key: string;
}

/** Cursors are opaque: base64url JSON naming the request they belong to (a fingerprint) and a position. */
export function encodeCursor(fingerprint: string, pos: StoragePosition): string {
  return Buffer.from(JSON.stringify({ f: fingerprint, s: pos.sortKeys, u: pos.userId, k: pos.key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: unknown, fingerprint: string, sortCount: number): StoragePosition | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  if (typeof cursor !== 'string' || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw StorageErrors.invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw StorageErrors.invalidCursor();
  }
  if (!isPlainObject(parsed) || parsed.f !== fingerprint || typeof parsed.u !== 'string' || typeof parsed.k !== 'string') throw StorageErrors.invalidCursor();
  const s = parsed.s;
  if (!Array.isArray(s) || s.length !== sortCount) throw StorageErrors.invalidCursor();
  for (const k of s) {
    if (!Array.isArray(k) || k.length !== 3 || !Number.isInteger(k[0]) || k[0] < 0 || k[0] > 5 || typeof k[1] !== 'number' || !Number.isFinite(k[1]) || typeof k[2] !== 'string') {
      throw StorageErrors.invalidCursor();
    }
  }
  return { sortKeys: s as [number, number, string][], userId: parsed.u, key: parsed.k };
}

/** Ties a cursor to the request shape that issued it (a cursor of another query is refused). */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}
