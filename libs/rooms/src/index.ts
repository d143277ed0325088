export * from './rooms.module.js';
