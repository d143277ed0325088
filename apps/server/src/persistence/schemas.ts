import type { SchemaContribution } from '@kaosnet/database';
import { ACCOUNTS_SCHEMA } from '@kaosnet/accounts';
import { ADMIN_SCHEMA } from '@kaosnet/admin';
import { STORAGE_SCHEMA } from '@kaosnet/storage';

/** Every feature's entities and migrations, in dependency order. */
export const KAOS_SCHEMAS: SchemaContribution[] = [ACCOUNTS_SCHEMA, ADMIN_SCHEMA, STORAGE_SCHEMA];
