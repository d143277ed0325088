import type { SchemaContribution } from '@kaosnet/database';

export const ADMIN_SCHEMA: SchemaContribution = { name: 'admin', entities: [], migrations: [] };
