import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMsTransformer, jsonTransformer } from '@kaosnet/database';

/** An automation key. Only the SHA-256 of the key is kept; `keyPrefix` lets people recognise it. */
@Entity('admin_api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @Column({ name: 'key_prefix', type: 'varchar', length: 16 })
  keyPrefix: string;

  /** Stored as given at creation; read back through the catalogue (unknown entries are ignored). */
  @Column({ type: 'text', transformer: jsonTransformer })
  scopes: string[];

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  expiresAt: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  revokedAt: number | null;
}
