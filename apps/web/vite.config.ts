import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const agent = 'http://127.0.0.1:18090';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: agent, changeOrigin: false },
      '/trpc': { target: agent, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
