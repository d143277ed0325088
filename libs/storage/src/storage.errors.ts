import { KaosError } from '@kaosnet/common';

/** Stable reasons of storage errors (the `reason` field on every surface). */
export const StorageReason = {
  INVALID_FIELD: 'INVALID_FIELD',
  INVALID_VALUE: 'STORAGE_INVALID_VALUE',
  VALUE_TOO_LARGE: 'STORAGE_VALUE_TOO_LARGE',
  BATCH_TOO_LARGE: 'STORAGE_BATCH_TOO_LARGE',
  DUPLICATE_ID: 'STORAGE_DUPLICATE_ID',
  VERSION_MISMATCH: 'STORAGE_VERSION_MISMATCH',
  ALREADY_EXISTS: 'STORAGE_ALREADY_EXISTS',
  WRITE_FORBIDDEN: 'STORAGE_WRITE_FORBIDDEN',
  OWNER_FORBIDDEN: 'STORAGE_OWNER_FORBIDDEN',
  INVALID_QUERY: 'STORAGE_INVALID_QUERY',
  UNKNOWN_OPERATOR: 'STORAGE_UNKNOWN_OPERATOR',
  INVALID_PATH: 'STORAGE_INVALID_PATH',
  QUERY_TOO_COMPLEX: 'STORAGE_QUERY_TOO_COMPLEX',
  INVALID_CURSOR: 'STORAGE_INVALID_CURSOR',
  OBJECT_NOT_FOUND: 'STORAGE_OBJECT_NOT_FOUND',
} as const;
export type StorageReason = (typeof StorageReason)[keyof typeof StorageReason];

export const StorageErrors = {
  invalidValue: (field: string, problem: string) =>
    KaosError.badRequest(`${field}: ${problem}`, { reason: StorageReason.INVALID_VALUE, details: { field } }),
  valueTooLarge: (field: string, max: number) =>
    KaosError.tooLarge(`${field}: must be at most ${max} bytes of JSON`, { reason: StorageReason.VALUE_TOO_LARGE, details: { field, max } }),
  batchTooLarge: (field: string, max: number) =>
    KaosError.tooLarge(`${field}: at most ${max} per request`, { reason: StorageReason.BATCH_TOO_LARGE, details: { field, max } }),
  duplicateId: (field: string) =>
    KaosError.badRequest(`${field}: the same object appears twice in one batch`, { reason: StorageReason.DUPLICATE_ID, details: { field } }),
  versionMismatch: (field: string) =>
    KaosError.conflict(`${field}: version does not match the stored object (nothing was written)`, { reason: StorageReason.VERSION_MISMATCH, details: { field } }),
  alreadyExists: (field: string) =>
    KaosError.conflict(`${field}: object already exists and version "*" asks for create-only (nothing was written)`, { reason: StorageReason.ALREADY_EXISTS, details: { field } }),
  writeForbidden: (field: string) =>
    KaosError.forbidden(`${field}: the object's write permission does not allow this caller (nothing was written)`, { reason: StorageReason.WRITE_FORBIDDEN, details: { field } }),
  ownerForbidden: (field: string) =>
    KaosError.forbidden(`${field}: a user may only write or delete its own objects`, { reason: StorageReason.OWNER_FORBIDDEN, details: { field } }),
  invalidQuery: (where: string, problem: string) =>
    KaosError.badRequest(`${where}: ${problem}`, { reason: StorageReason.INVALID_QUERY, details: { field: where } }),
  unknownOperator: (where: string, op: string) =>
    KaosError.badRequest(`${where}: unknown operator ${JSON.stringify(op.slice(0, 40))}`, { reason: StorageReason.UNKNOWN_OPERATOR, details: { field: where } }),
  invalidPath: (where: string, problem: string) =>
    KaosError.badRequest(`${where}: ${problem}`, { reason: StorageReason.INVALID_PATH, details: { field: where } }),
  queryTooComplex: (problem: string) => KaosError.badRequest(`filter: ${problem}`, { reason: StorageReason.QUERY_TOO_COMPLEX, details: { field: 'filter' } }),
  invalidCursor: () => KaosError.badRequest('cursor: malformed or not issued for this request', { reason: StorageReason.INVALID_CURSOR, details: { field: 'cursor' } }),
};
