import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';

/** POST /api/account/link/device and /unlink/device */
export class AccountDeviceLinkDto {
  @ApiProperty({ minLength: 10, maxLength: 128 })
  @IsString()
  @Length(10, 128)
  deviceId: string;
}

/** POST /api/account/link/email: sets (or replaces) the email login and its password. */
export class AccountEmailLinkDto {
  @ApiProperty({ maxLength: 254, example: 'ann@example.com' })
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, format: 'password' })
  @IsString()
  @Length(8, 1024)
  password: string;
}

/** POST /api/account/unlink/email */
export class AccountEmailUnlinkDto {
  @ApiProperty({ maxLength: 254, example: 'ann@example.com' })
  @IsString()
  @MaxLength(254)
  email: string;
}

/** POST /api/account/link/custom and /unlink/custom */
export class AccountCustomLinkDto {
  @ApiProperty({ minLength: 6, maxLength: 128 })
  @IsString()
  @Length(6, 128)
  id: string;
}
