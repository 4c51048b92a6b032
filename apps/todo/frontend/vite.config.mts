import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development `/api` is proxied to a local backend (BACKEND_URL, default http://127.0.0.1:3001),
// keeping the prefix: the backend serves its routes both with and without /api.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false },
  server: {
    port: 5173,
    proxy: { "/api": process.env.BACKEND_URL ?? "http://127.0.0.1:3001" },
  },
});
