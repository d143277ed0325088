export * from './accounts.module.js';
export * from './accounts.schema.js';
