import { KaosError } from './errors/kaos-error.js';

/**
 * Invariant checks for core services. Adapters (REST DTOs, KaosTalk codecs, Lua bindings) convert
 * shapes; these checks live in the service so every surface inherits them.
 */
export function checkString(field: string, value: unknown, opts: { min?: number; max: number; pattern?: RegExp; patternHint?: string }): string {
  if (typeof value !== 'string') throw KaosError.invalidField(field, 'must be a string');
  const min = opts.min ?? 0;
  if (value.length < min || value.length > opts.max) {
    throw KaosError.invalidField(field, `length must be between ${min} and ${opts.max}`);
  }
  if (opts.pattern && !opts.pattern.test(value)) throw KaosError.invalidField(field, opts.patternHint ?? 'has invalid characters');
  return value;
}

export function checkOptionalString(field: string, value: unknown, opts: { min?: number; max: number; pattern?: RegExp; patternHint?: string }): string | undefined {
  return value === undefined || value === null ? undefined : checkString(field, value, opts);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A JSON object (not array, not null) whose serialized size is at most maxBytes. */
export function checkJsonObject(field: string, value: unknown, maxBytes: number): Record<string, unknown> {
  if (!isPlainObject(value)) throw KaosError.invalidField(field, 'must be a JSON object');
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    throw KaosError.invalidField(field, 'must be serializable JSON');
  }
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw KaosError.tooLarge(`${field}: must be at most ${maxBytes} bytes of JSON`, { reason: 'INVALID_FIELD', details: { field } });
  }
  return value;
}

/** Session vars: a flat map of string to string, bounded in count and size. */
export function checkStringMap(field: string, value: unknown, maxEntries = 32, maxValueLength = 256): Record<string, string> {
  if (!isPlainObject(value)) throw KaosError.invalidField(field, 'must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > maxEntries) throw KaosError.invalidField(field, `at most ${maxEntries} entries`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 64) throw KaosError.invalidField(field, 'keys must be 1-64 characters');
    if (typeof v !== 'string' || v.length > maxValueLength) throw KaosError.invalidField(field, `values must be strings of at most ${maxValueLength} characters`);
  }
  return value as Record<string, string>;
}
