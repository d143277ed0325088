import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMsTransformer } from '@kaosnet/database';

/**
 * Failed email logins per (lowercased) email, whether or not an account has that email, so the
 * lockout itself reveals nothing about which emails exist.
 */
@Entity({ name: 'email_login_failures' })
export class EmailLoginFailureEntity {
  @PrimaryColumn({ type: 'text' })
  email: string;

  @Column({ type: 'integer' })
  failures: number;

  /** Start of the counting window; failures older than the lockout period are forgotten. */
  @Column({ name: 'window_start', type: 'bigint', transformer: epochMsTransformer })
  windowStart: number;

  @Column({ name: 'locked_until', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  lockedUntil: number | null;
}
