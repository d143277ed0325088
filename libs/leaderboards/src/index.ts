export * from './leaderboards.module.js';
