import { defineConfig } from "vite";
import { resolve } from "node:path";

// The same app, built with the Tauri IPC replaced by @tauri-apps/api/mocks and the in-page fake
// backend of tests/fake, for the Playwright tests (served from dist-mock/).
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  root: resolve(__dirname, "tests/fake"),
  build: {
    outDir: resolve(__dirname, "dist-mock"),
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: resolve(__dirname, "tests/fake/index.html") },
  },
});
