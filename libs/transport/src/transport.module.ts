import { Module } from '@nestjs/common';

/** Placeholder until the transport issue lands; present so the workspace layout is complete. */
@Module({})
export class TransportModule {}
