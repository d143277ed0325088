import type { ValueTransformer } from 'typeorm';

/**
 * JSON stored as jsonb on PostgreSQL (the driver hands back objects) and as text on SQLite
 * (hand back strings). Entities declare the column as text; migrations create the real type.
 */
export const jsonTransformer: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value)),
  from: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value ?? null),
};

/** Epoch milliseconds in a bigint column: pg returns bigint as a string, SQLite as a number. */
export const epochMsTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
