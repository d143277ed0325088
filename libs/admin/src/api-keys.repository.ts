import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql } from './admin-sql.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

const COLUMNS = 'id, name, key_hash, key_prefix, scopes, created_by, created_at, expires_at, revoked_at';

/** All SQL for API keys. Keys are looked up by their SHA-256 only. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(key: ApiKeyEntity): Promise<void> {
    await runSql(this.dataSource, `INSERT INTO admin_api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      key.id,
      key.name,
      key.keyHash,
      key.keyPrefix,
      JSON.stringify(key.scopes),
      key.createdBy,
      key.createdAt,
      key.expiresAt,
      key.revokedAt,
    ]);
  }

  async findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_api_keys WHERE key_hash = $1`, [keyHash]);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async findById(id: string): Promise<ApiKeyEntity | null> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_api_keys WHERE id = $1`, [id]);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  /** Newest first, revoked ones included (they show when and that they were revoked). */
  async list(): Promise<ApiKeyEntity[]> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_api_keys ORDER BY created_at DESC, id`, []);
    return rows.map(toEntity);
  }

  /** Sets revoked_at once; returns false when the key does not exist. Revoking twice is a no-op. */
  async revoke(id: string, now: number): Promise<boolean> {
    const { affected } = await runSql(this.dataSource, 'UPDATE admin_api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1', [id, now]);
    return affected > 0;
  }
}

function toEntity(row: Record<string, unknown>): ApiKeyEntity {
  const key = new ApiKeyEntity();
  key.id = String(row.id);
  key.name = String(row.name);
  key.keyHash = String(row.key_hash);
  key.keyPrefix = String(row.key_prefix);
  const scopes: unknown = typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes;
  key.scopes = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  key.createdBy = row.created_by === null || row.created_by === undefined ? null : String(row.created_by);
  key.createdAt = Number(row.created_at);
  key.expiresAt = nullableNumber(row.expires_at);
  key.revokedAt = nullableNumber(row.revoked_at);
  return key;
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
