import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMsTransformer } from '@kaosnet/database';
import type { ConsoleRole } from '../admin-access.js';

/** A person who signs in to the console. Times are epoch ms. */
@Entity('admin_users')
export class ConsoleUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  username: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 16 })
  role: ConsoleRole;

  /** Bumped on password change: tokens carry it, so older tokens stop working. */
  @Column({ name: 'token_version', type: 'integer' })
  tokenVersion: number;

  @Column({ name: 'disabled_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  disabledAt: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMsTransformer })
  updatedAt: number;
}
