export * from './transport.module.js';
