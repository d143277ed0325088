import { randomBytes } from 'node:crypto';
import { checkJsonObject, checkString, checkStringMap, KaosError } from '@kaosnet/common';

/**
 * The field rules of player accounts, shared by every surface through AccountsService (REST DTOs
 * repeat the bounds only so Swagger can document them). Pure functions: no I/O.
 */
export const ACCOUNT_LIMITS = {
  deviceId: { min: 10, max: 128 },
  customId: { min: 6, max: 128 },
  username: { min: 1, max: 128 },
  email: { max: 254 },
  password: { min: 8, max: 1024 },
  displayName: { max: 255 },
  avatarUrl: { max: 512 },
  lang: { min: 1, max: 64 },
  location: { max: 255 },
  timezone: { max: 64 },
  metadataBytes: 16 * 1024,
} as const;
const MAX_VARS_BYTES = 2048;

/** Letters, digits and `_ . -`: no spaces, no look-alike Unicode, safe in URLs and logs. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
// C0 controls and DEL: never meaningful in single-line text, and NUL cannot be stored by PostgreSQL.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not our job.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Single-line free text: any printable Unicode, stored and returned verbatim. */
export function checkText(field: string, value: unknown, opts: { min?: number; max: number }): string {
  const s = checkString(field, value, opts);
  if (CONTROL_CHARS.test(s)) throw KaosError.invalidField(field, 'must not contain control characters');
  if (LONE_SURROGATE.test(s)) throw KaosError.invalidField(field, 'must be well-formed Unicode');
  return s;
}

export function checkDeviceId(value: unknown, field = 'deviceId'): string {
  return checkText(field, value, ACCOUNT_LIMITS.deviceId);
}

export function checkCustomId(value: unknown, field = 'id'): string {
  return checkText(field, value, ACCOUNT_LIMITS.customId);
}

export function checkUsername(value: unknown, field = 'username'): string {
  return checkString(field, value, {
    ...ACCOUNT_LIMITS.username,
    pattern: USERNAME_PATTERN,
    patternHint: 'may contain only letters, digits, underscore, dot and hyphen',
  });
}

/** Emails are compared and stored lowercased, so `Ann@X.io` and `ann@x.io` are one login. */
export function normalizeEmail(value: unknown, field = 'email'): string {
  const s = checkText(field, value, { min: 3, max: ACCOUNT_LIMITS.email.max });
  const email = s.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(email)) throw KaosError.invalidField(field, 'must be an email address');
  return email;
}

export function checkPassword(value: unknown, field = 'password'): string {
  if (typeof value === 'string' && value.length < ACCOUNT_LIMITS.password.min) {
    throw KaosError.invalidField(field, `must be at least ${ACCOUNT_LIMITS.password.min} characters`);
  }
  return checkString(field, value, ACCOUNT_LIMITS.password);
}

export function checkVars(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const vars = checkStringMap('vars', value);
  for (const [k, v] of Object.entries(vars)) {
    if (CONTROL_CHARS.test(k) || v.includes('\u0000') || LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
      throw KaosError.invalidField('vars', 'keys and values must be well-formed text without NUL');
    }
  }
  // Vars ride in every access token; keep tokens well under the verifier's 4 KiB cap.
  if (Buffer.byteLength(JSON.stringify(vars), 'utf8') > MAX_VARS_BYTES) {
    throw KaosError.tooLarge(`vars: must be at most ${MAX_VARS_BYTES} bytes of JSON`, { reason: 'INVALID_FIELD', details: { field: 'vars' } });
  }
  return { ...vars };
}

/** A JSON object of at most 16 KiB whose strings PostgreSQL jsonb can hold (no NUL, no lone surrogates). */
export function checkMetadata(value: unknown): Record<string, unknown> {
  const obj = checkJsonObject('metadata', value, ACCOUNT_LIMITS.metadataBytes);
  const bad = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) throw KaosError.invalidField('metadata', 'is nested too deeply (max 32)');
    if (typeof v === 'string') {
      if (bad(v)) throw KaosError.invalidField('metadata', 'strings must be well-formed text without NUL');
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (bad(k)) throw KaosError.invalidField('metadata', 'keys must be well-formed text without NUL');
        walk(item, depth + 1);
      }
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      throw KaosError.invalidField('metadata', 'numbers must be finite');
    }
  };
  walk(obj, 0);
  // Round-trip so what is stored is exactly what JSON can express (no undefined, no class instances).
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A random base-32 username (10 chars, 50 bits) for accounts created without one, as Nakama does. */
export function generateUsername(): string {
  const bytes = randomBytes(10);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}
