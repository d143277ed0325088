import { KaosError } from '@kaosnet/common';
import { AccountsErrors } from './accounts.errors.js';

/** Paging rules of the admin account listing (cursor format, limits). */
export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 100;

export function checkListLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return LIST_DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw KaosError.invalidField('limit', `must be an integer between 1 and ${LIST_MAX_LIMIT}`);
  }
  return limit;
}

export function checkSearch(search: unknown): string | undefined {
  if (search === undefined || search === null) return undefined;
  if (typeof search !== 'string' || search.length > 256) throw KaosError.invalidField('search', 'must be a string of at most 256 characters');
  const s = search.trim();
  return s.length === 0 ? undefined : s;
}

/** Opaque to clients: base64url of the last row's (createdAt, id), the keyset position. */
export function encodeCursor(last: { createdAt: number; id: string }): string {
  return Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url');
}

export function decodeCursor(cursor: unknown): { createdAt: number; id: string } {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 200) throw AccountsErrors.invalidCursor();
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && v[1].length <= 64) {
      return { createdAt: v[0] as number, id: v[1] };
    }
  } catch {
    // fall through
  }
  throw AccountsErrors.invalidCursor();
}
