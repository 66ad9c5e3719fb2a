/// <reference types="vitest" />
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The CSP the Tauri shell enforces; `vite preview` sends it too, so screenshots in Chromium
// prove the build runs under it (no inline scripts, no eval, nothing from the network).
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

// The document around every page (the counter's index.html, the pay window's pay.html, the
// tablet's tablet.html), written once here: each page's HTML file holds only its <body>.
const page: Plugin = {
  name: 'kasse-page',
  transformIndexHtml: {
    order: 'pre',
    handler: (body, { filename }) => {
      if (!body.trimStart().startsWith('<body')) {
        throw new Error(`${filename}: a page holds only its <body>; the rest is written in vite.config.ts`);
      }
      const indented = body.trim().replace(/^/gm, '  ');
      return `<!doctype html>\n<html lang="en">\n  <head>\n    <title>Kasse</title>\n  </head>\n${indented}\n</html>\n`;
    },
  },
};

// The head every page shares, added to the document above.
const sharedHead: Plugin = {
  name: 'kasse-shared-head',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { charset: 'UTF-8' }, injectTo: 'head-prepend' },
    { tag: 'meta', attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' }, injectTo: 'head-prepend' },
    { tag: 'meta', attrs: { name: 'color-scheme', content: 'light dark' }, injectTo: 'head-prepend' },
    { tag: 'link', attrs: { rel: 'icon', href: 'data:,' }, injectTo: 'head-prepend' },
  ],
};

export default defineConfig({
  base: './',
  plugins: [svelte(), page, sharedHead],
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
