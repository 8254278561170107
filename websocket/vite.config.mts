import path from 'node:path';
import { defineConfig } from 'vite';

// The web bank: websocket/web built to websocket/dist/web, which the service serves. Preact's JSX
// through Vite's own transform; hashed asset names (cached for good), no inline scripts (strict CSP).
export default defineConfig({
  root: path.join(import.meta.dirname, 'web'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(import.meta.dirname, 'dist', 'web'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
});
