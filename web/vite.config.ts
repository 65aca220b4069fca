import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Built by `npm run build:web` (and by `npm start`) into web/dist, which the gateway serves.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    // `npm run dev:web` against a running gateway: API, socket.io and mail stay on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/register': 'http://127.0.0.1:8080', '/socket.io': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
