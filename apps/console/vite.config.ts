import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by the server on the console port; in development Vite proxies /admin there.
// JSX uses Vite's built-in automatic runtime (no @vitejs/plugin-react: its Babel peer range
// conflicts with Jest's Babel here, and nothing in the console needs Babel).
export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/admin': 'http://127.0.0.1:7351' } },
});
