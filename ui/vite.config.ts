/// <reference types="vitest" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The CSP the Tauri shell enforces; `vite preview` sends it too, so screenshots in Chromium
// prove the build runs under it (no inline scripts, no eval, nothing from the network).
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    // The counter (index.html), the pay window (pay.html, the embedded checkout) and the
    // customer display for a tablet (tablet.html, served by the network display); each a JS
    // and a CSS file loaded from disk by the shell.
    modulePreload: false,
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { main: 'index.html', pay: 'pay.html', tablet: 'tablet.html' },
    },
  },
  preview: {
    headers: { 'Content-Security-Policy': CSP },
  },
  resolve: {
    // Svelte's browser build (not the SSR one) under Vitest, so components can mount in jsdom.
    conditions: process.env.VITEST ? ['browser'] : [],
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    restoreMocks: true,
  },
});
