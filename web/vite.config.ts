import { defineConfig } from 'vite';

/** The dashboard: Preact through esbuild's automatic JSX runtime, built into web/dist for the API to serve. */
export default defineConfig({
  root: import.meta.dirname,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
