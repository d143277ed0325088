import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { AuthOptionsDto } from './auth-options.dto.js';

/** POST /api/auth/custom */
export class AuthCustomDto extends AuthOptionsDto {
  @ApiProperty({ minLength: 6, maxLength: 128, example: 'steam:7656119', description: "An id from the game's own identity system (6-128 characters)" })
  @IsString()
  @Length(6, 128)
  id: string;
}
