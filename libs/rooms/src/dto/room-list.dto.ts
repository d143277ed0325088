import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class RoomListQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the label', maxLength: 128, example: 'arena' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  label?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The cursor of the previous page', maxLength: 16 })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  cursor?: string;
}

export class RoomListEntryDto {
  @ApiProperty({ format: 'uuid' })
  roomId: string;
  @ApiProperty({ maxLength: 128 })
  label: string;
  @ApiProperty({ description: 'Current members' })
  size: number;
  @ApiProperty()
  maxPlayers: number;
  @ApiProperty({ enum: ['open', 'running', 'closed'] })
  state: string;
  @ApiPropertyOptional({ description: 'Match handler of an authoritative room' })
  module?: string;
}

export class RoomListResponseDto {
  @ApiProperty({ type: [RoomListEntryDto] })
  rooms: RoomListEntryDto[];
  @ApiPropertyOptional({ description: 'Present when another page may follow: pass it as ?cursor=' })
  cursor?: string;
}
