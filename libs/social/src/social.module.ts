import { Module } from '@nestjs/common';

/** Placeholder until the social issue lands; present so the workspace layout is complete. */
@Module({})
export class SocialModule {}
