import { Module } from '@nestjs/common';

/** Placeholder until the notifications issue lands; present so the workspace layout is complete. */
@Module({})
export class NotificationsModule {}
