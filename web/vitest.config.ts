import { defineConfig } from "vitest/config";

// Unit and interop tests run in Node: WebCrypto is built in, IndexedDB and WebSocket come from
// test/setup.ts. Tests that talk to a real Parley server start one with test/server.ts.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
