import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { epochMsTransformer, jsonTransformer } from '@kaosnet/database';
import { AccountEntity } from './account.entity.js';

/**
 * One signed-in session: the `sid` claim of its access tokens and the owner of its chain of
 * refresh tokens. Revoking it ends both.
 */
@Entity({ name: 'auth_sessions' })
export class AuthSessionEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  account?: Relation<AccountEntity>;

  /** Session variables copied into every access token of the session. */
  @Column({ type: 'text', transformer: jsonTransformer })
  vars: Record<string, string>;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  revokedAt: number | null;

  /** logout, reuse, ban */
  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason: string | null;
}
