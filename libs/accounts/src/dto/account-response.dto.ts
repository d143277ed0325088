import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AccountView } from '../accounts.types.js';

/** GET /api/account and every account-changing call answer with this. Times are epoch ms. */
export class AccountResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  username: string;

  @ApiProperty({ type: String, nullable: true })
  displayName: string | null;

  @ApiProperty({ type: String, nullable: true })
  avatarUrl: string | null;

  @ApiProperty({ example: 'en' })
  lang: string;

  @ApiProperty({ type: String, nullable: true })
  location: string | null;

  @ApiProperty({ type: String, nullable: true })
  timezone: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Linked email (lowercased)' })
  email?: string;

  @ApiProperty({ type: [String], description: 'Linked device ids' })
  devices: string[];

  @ApiPropertyOptional({ description: 'Linked custom id' })
  customId?: string;

  @ApiPropertyOptional({ description: 'When the account was banned, epoch ms' })
  bannedAt?: number;

  @ApiProperty({ example: 1767225600000 })
  createdAt: number;

  @ApiProperty({ example: 1767225600000 })
  updatedAt: number;
}

export function toAccountResponse(view: AccountView): AccountResponseDto {
  return { ...view };
}
