export * from './schema.js';
export * from './transformers.js';
export * from './data-source.js';
export * from './test-databases.js';
export * from './sql-runner.js';
