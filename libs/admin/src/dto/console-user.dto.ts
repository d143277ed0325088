import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CONSOLE_ROLES, type ConsoleRole } from '../admin-access.js';
import type { ConsoleUserView } from '../console-users.service.js';

export class ConsoleUserCreateDto {
  @ApiProperty({ example: 'alice', minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'Unique regardless of case' })
  @IsString()
  @Length(3, 64)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'may only hold letters, digits, _ . -' })
  username: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: 8, maxLength: 256 })
  @IsString()
  @Length(8, 256)
  password: string;

  @ApiProperty({ enum: CONSOLE_ROLES, example: 'viewer' })
  @IsIn(CONSOLE_ROLES)
  role: ConsoleRole;
}

export class ConsoleUserUpdateDto {
  @ApiPropertyOptional({ enum: CONSOLE_ROLES, description: 'Demoting the last active admin is refused (409)' })
  @IsOptional()
  @IsIn(CONSOLE_ROLES)
  role?: ConsoleRole;

  @ApiPropertyOptional({ minLength: 8, maxLength: 256, description: 'A new password ends every session of the user' })
  @IsOptional()
  @IsString()
  @Length(8, 256)
  password?: string;

  @ApiPropertyOptional({ description: 'Disabled users cannot sign in and their tokens stop working; disabling the last active admin is refused (409)' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class ConsoleUserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ enum: CONSOLE_ROLES })
  role: ConsoleRole;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ example: 1767225600000, description: 'Epoch ms' })
  createdAt: number;

  @ApiProperty({ example: 1767225600000, description: 'Epoch ms' })
  updatedAt: number;
}

export function toConsoleUserResponse(view: ConsoleUserView): ConsoleUserResponseDto {
  return {
    id: view.id,
    username: view.username,
    role: view.role,
    disabled: view.disabled,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

export class ConsoleUserListResponseDto {
  @ApiProperty({ type: [ConsoleUserResponseDto] })
  users: ConsoleUserResponseDto[];
}
