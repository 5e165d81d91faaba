import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by vmgate's web face at /ui/ (src/faces/web): built into
// dist/web beside the server's own build. No @vitejs/plugin-react: esbuild compiles JSX.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // noVNC's ES modules use top-level await.
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2048,
    reportCompressedSize: false,
  },
});
