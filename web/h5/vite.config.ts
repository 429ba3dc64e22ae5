import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Served by the gateway at / (gateway.static_root: <root>/h5/dist); hashed assets are cached
// immutably there, index.html is revalidated.
export default defineConfig({
  base: '/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800, reportCompressedSize: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
