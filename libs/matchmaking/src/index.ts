export * from './matchmaking.module.js';
