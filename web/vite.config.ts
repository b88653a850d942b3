import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defineConfig, type Plugin } from "vite";
import type { OutputBundle } from "rollup";

// The web app is static files: `parley server` serves dist/ from its jar at "/" under a strict
// Content-Security-Policy (no inline script or style), so every script and stylesheet is a file of
// its own, carries a Subresource Integrity hash, and the service worker is a file of its own too.

/** The service worker's entry; built as /sw.js (a stable name: browsers look for updates there). */
const SERVICE_WORKER_ENTRY = "src/sw.ts";
/** Placeholders in src/sw.ts that the build replaces with the shell's file list and its cache's name. */
const PRECACHE_PLACEHOLDER = "__PARLEY_PRECACHE__";
const CACHE_PLACEHOLDER = "__PARLEY_SHELL_CACHE__";
const CACHE_PREFIX = "parley-shell-";
const PUBLIC_DIR = "public";

/**
 * Subresource Integrity (W3C SRI): integrity="sha384-..." and crossorigin on every script,
 * stylesheet and module preload of index.html, hashed over the final bytes of each file.
 */
function subresourceIntegrity(): Plugin {
  return {
    name: "parley-subresource-integrity",
    enforce: "post",
    apply: "build",
    // order "post": after Vite's own generateBundle hooks, which still rewrite chunks (the
    // preload lists of dynamic imports), so the hashes are over the bytes that get written.
    generateBundle: {
      order: "post",
      handler(_options, bundle) {
        const index = bundle["index.html"];
        if (!index || index.type !== "asset") return;
        index.source = addIntegrity(String(index.source), (url) => fileBytes(bundle, url));
      },
    },
  };
}

/** Adds integrity and crossorigin attributes to the tags of `html` that load a file of the bundle. */
function addIntegrity(html: string, bytesOf: (url: string) => Uint8Array | undefined): string {
  return html.replace(/<(script|link)\b[^>]*>/g, (tag) => {
    const isScript = tag.startsWith("<script");
    const rel = /\brel="([^"]*)"/.exec(tag)?.[1];
    if (!isScript && rel !== "stylesheet" && rel !== "modulepreload") return tag;
    const url = new RegExp(`\\b${isScript ? "src" : "href"}="([^"]*)"`).exec(tag)?.[1];
    if (url === undefined) return tag; // an inline script: the CSP refuses it anyway
    const bytes = bytesOf(url);
    if (bytes === undefined) throw new Error(`index.html loads ${url}, which the build did not produce`);
    const integrity = `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
    let out = tag.replace(/\s+integrity="[^"]*"/, "");
    if (!/\scrossorigin\b/.test(out)) out = out.replace(/\s*\/?>$/, (end) => ` crossorigin${end}`);
    return out.replace(/\s*\/?>$/, (end) => ` integrity="${integrity}"${end}`);
  });
}

function fileBytes(bundle: OutputBundle, url: string): Uint8Array | undefined {
  const file = bundle[url.replace(/^\//, "")];
  if (!file) return undefined;
  return file.type === "chunk" ? Buffer.from(file.code) : typeof file.source === "string" ? Buffer.from(file.source) : file.source;
}

/**
 * The service worker's shell: after the rest of the bundle is final (SRI included), writes into
 * sw.js the list of files to precache ("/" for index.html, the hashed assets, public/) and a cache
 * name hashed over all of them, so that any change installs a new worker with a fresh cache.
 */
function serviceWorkerShell(): Plugin {
  return {
    name: "parley-service-worker-shell",
    enforce: "post",
    apply: "build",
    // order "post": after Vite's own generateBundle hooks and the integrity above, so the cache
    // version covers the final bytes.
    generateBundle: {
      order: "post",
      handler(_options, bundle) {
        const worker = bundle["sw.js"];
        if (!worker || worker.type !== "chunk") throw new Error(`${SERVICE_WORKER_ENTRY} was not built as sw.js`);
        const version = createHash("sha256");
        const files: string[] = [];
        for (const [name, file] of Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b))) {
          if (name === "sw.js" || name.startsWith(".")) continue;
          files.push(name === "index.html" ? "/" : `/${name}`);
          version.update(name).update(file.type === "chunk" ? file.code : file.source);
        }
        for (const path of listFiles(PUBLIC_DIR)) {
          files.push(`/${path}`);
          version.update(path).update(readFileSync(join(PUBLIC_DIR, path)));
        }
        const placeholders = [PRECACHE_PLACEHOLDER, CACHE_PLACEHOLDER];
        for (const placeholder of placeholders) {
          if (!worker.code.includes(`"${placeholder}"`)) throw new Error(`sw.js lost its placeholder ${placeholder}`);
        }
        worker.code = worker.code
          .replaceAll(`"${PRECACHE_PLACEHOLDER}"`, JSON.stringify(files))
          .replaceAll(`"${CACHE_PLACEHOLDER}"`, JSON.stringify(CACHE_PREFIX + version.digest("hex").slice(0, 16)));
      },
    },
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).replaceAll("\\", "/"))
    .sort();
}

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  publicDir: PUBLIC_DIR,
  plugins: [subresourceIntegrity(), serviceWorkerShell()],
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
    // Every script a file of its own (script-src 'self'): no inlined workers or assets as data: script.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { index: "index.html", sw: SERVICE_WORKER_ENTRY },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
});
