import { Module } from '@nestjs/common';

/** Placeholder until the matchmaking issue lands; present so the workspace layout is complete. */
@Module({})
export class MatchmakingModule {}
