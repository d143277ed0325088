import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { epochMsTransformer } from '@kaosnet/database';
import { AccountEntity } from './account.entity.js';

/** A device id that signs in to an account; an account may have several (as in Nakama). */
@Entity({ name: 'account_devices' })
export class AccountDeviceEntity {
  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  account?: Relation<AccountEntity>;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt: number;
}
