import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMsTransformer, jsonTransformer } from '@kaosnet/database';

/**
 * A player account. The table is created by AccountsInit1764000000000 (never synchronized);
 * AccountsRepository reads and writes it with its own SQL, this class documents and types it.
 */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Unique case-insensitively (unique index on lower(username)). */
  @Column({ type: 'text' })
  username: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  @Column({ type: 'text', default: 'en' })
  lang: string;

  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Column({ type: 'text', nullable: true })
  timezone: string | null;

  /** jsonb on PostgreSQL, text on SQLite. */
  @Column({ type: 'text', transformer: jsonTransformer })
  metadata: Record<string, unknown>;

  /** Stored lowercased; unique when present. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ name: 'custom_id', type: 'text', nullable: true })
  customId: string | null;

  @Column({ name: 'banned_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  bannedAt: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMsTransformer })
  updatedAt: number;
}
