import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

// Vant's icon font is inlined (a woff2 data: URL) with a fallback on a CDN (at.alicdn.com), which
// Chromium still fetches and the CSP (font-src 'self' data:) refuses: the fallback is dropped.
function vantIconsOffline(): Plugin {
  return {
    name: 'zt-vant-icons-offline',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]vant[\\/].*\.css$/.test(id)) return null;
      return code.replace(/,\s*url\((["']?)(?:https?:)?\/\/at\.alicdn\.com\/[^)]*\)\s*format\((["']?)woff\2\)/g, '');
    },
  };
}

// Served by the gateway at / (gateway.static_root: <root>/h5/dist); hashed assets are cached
// immutably there, index.html is revalidated.
export default defineConfig({
  base: '/',
  plugins: [vue(), vantIconsOffline()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800, reportCompressedSize: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
