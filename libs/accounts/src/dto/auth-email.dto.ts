import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { AuthOptionsDto } from './auth-options.dto.js';

/** POST /api/auth/email */
export class AuthEmailDto extends AuthOptionsDto {
  @ApiProperty({ maxLength: 254, example: 'ann@example.com', description: 'Compared case-insensitively' })
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, example: 'correct horse battery', format: 'password' })
  @IsString()
  @Length(8, 1024)
  password: string;
}
