export * from './admin.module.js';
export * from './admin.schema.js';
