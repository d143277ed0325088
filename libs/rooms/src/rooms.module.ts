import { Module } from '@nestjs/common';

/** Placeholder until the rooms issue lands; present so the workspace layout is complete. */
@Module({})
export class RoomsModule {}
