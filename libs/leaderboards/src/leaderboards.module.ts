import { Module } from '@nestjs/common';

/** Placeholder until the leaderboards issue lands; present so the workspace layout is complete. */
@Module({})
export class LeaderboardsModule {}
