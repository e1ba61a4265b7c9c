import { defineConfig } from "vite";

// The app as Tauri loads it (src-tauri/tauri.conf.json: frontendDist = ../ui/dist).
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: "dist", target: "es2022", emptyOutDir: true },
});
