export * from './scripting.module.js';
