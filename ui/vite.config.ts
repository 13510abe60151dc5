import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri loads ui/dist; the dev server is used by `tauri dev` and for local checks.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // fs.allow: display.ts imports the label table shared with the core (crates/core/src/labels.json).
  server: { port: 1420, strictPort: true, fs: { allow: ['.', '../crates/core/src/labels.json'] } },
  build: { outDir: 'dist', target: 'es2021', sourcemap: false },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
} as import('vite').UserConfig);
