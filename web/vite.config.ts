import { defineConfig } from "vite";

// The web app is static files: `parley server` serves dist/ from its jar at "/".
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
  },
});
