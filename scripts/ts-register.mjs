// `node --import ./scripts/ts-register.mjs file.ts` runs a TypeScript file (see ts-loader.mjs).
import { register } from 'node:module';
register('./ts-loader.mjs', import.meta.url);
