import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { AuthOptionsDto } from './auth-options.dto.js';

/** POST /api/auth/device */
export class AuthDeviceDto extends AuthOptionsDto {
  @ApiProperty({ minLength: 10, maxLength: 128, example: 'f4b3c2a1-device-0001', description: 'A stable id of the device (10-128 characters)' })
  @IsString()
  @Length(10, 128)
  deviceId: string;
}
