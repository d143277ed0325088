import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMsTransformer, jsonTransformer } from '@kaosnet/database';

/**
 * One stored object. Mapped for TypeORM's metadata only: all reads and writes go through
 * StorageRepository's SQL, and versions are compared explicitly there (never @VersionColumn,
 * whose save() does not protect against stale writes).
 */
@Entity('storage_objects')
@Index('storage_objects_owner_key_uq', ['collection', 'userId', 'key'], { unique: true })
export class StorageObjectEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text' })
  collection: string;

  /** '' for server-owned objects. */
  @Column({ name: 'user_id', type: 'text', default: '' })
  userId: string;

  @Column({ type: 'text' })
  key: string;

  /** jsonb on PostgreSQL, canonical JSON text on SQLite (the migration creates the real type). */
  @Column({ type: 'text', transformer: jsonTransformer })
  value: Record<string, unknown>;

  @Column({ type: 'text' })
  version: string;

  @Column({ name: 'permission_read', type: 'smallint' })
  permissionRead: number;

  @Column({ name: 'permission_write', type: 'smallint' })
  permissionWrite: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMsTransformer })
  updatedAt: number;

  /** PostgreSQL: true when the object had too many index entries to keep them all. */
  @Column({ name: 'index_partial', type: 'boolean', default: false })
  indexPartial: boolean;
}
