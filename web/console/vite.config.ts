import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Served by the gateway at /console (gateway.static_root: <root>/console/dist).
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, reportCompressedSize: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
