import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { epochMsTransformer } from '@kaosnet/database';
import { AuthSessionEntity } from './auth-session.entity.js';

/**
 * A refresh token, stored only as its SHA-256. Used tokens are kept (with `used_at`) until the
 * session goes, so presenting one again is recognised as reuse and ends the session.
 */
@Entity({ name: 'auth_refresh_tokens' })
export class AuthRefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'session_id', type: 'text' })
  sessionId: string;

  @ManyToOne(() => AuthSessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: Relation<AuthSessionEntity>;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMsTransformer })
  expiresAt: number;

  @Column({ name: 'used_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  usedAt: number | null;
}
