import type { SchemaContribution } from '@kaosnet/database';

export const ACCOUNTS_SCHEMA: SchemaContribution = { name: 'accounts', entities: [], migrations: [] };
