import { Module } from '@nestjs/common';

/** Placeholder until the scripting issue lands; present so the workspace layout is complete. */
@Module({})
export class ScriptingModule {}
