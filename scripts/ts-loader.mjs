// ESM loader hooks so benches and scripts written in TypeScript run under plain Node 20 without a
// build step: @swc/core strips types (decorators + metadata kept), `@kaosnet/<lib>` resolves to the
// lib's index.ts, and relative `./x.js` imports resolve to `./x.ts` when only the .ts exists.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from '@swc/core';

const ROOT = resolvePath(dirname(fileURLToPath(import.meta.url)), '..');

export async function resolve(specifier, context, next) {
  const lib = /^@kaosnet\/([a-z-]+)$/.exec(specifier);
  if (lib) {
    return { url: pathToFileURL(resolvePath(ROOT, 'libs', lib[1], 'src', 'index.ts')).href, shortCircuit: true };
  }
  if ((specifier.startsWith('.') || specifier.startsWith('/')) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const target = new URL(specifier, context.parentURL);
    const ts = fileURLToPath(target).replace(/\.js$/, '.ts');
    if (!existsSync(fileURLToPath(target)) && existsSync(ts)) return { url: pathToFileURL(ts).href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const filename = fileURLToPath(url);
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
        target: 'es2022',
      },
      module: { type: 'es6' },
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
