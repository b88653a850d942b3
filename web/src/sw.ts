// The service worker (built as /sw.js, registered by src/pwa.ts): keeps the app's shell (index.html,
// the hashed assets, the manifest and icons) so that the installed app opens offline and can say
// that the server is unreachable. It never touches the API (the WebSocket, attachments, /metrics,
// /healthz): messages and files are end-to-end encrypted and live in IndexedDB, not in this cache.
// It imports nothing, so the build emits it as one self-contained file.
export {};

declare const self: ServiceWorkerGlobalScope;

// The build (vite.config.ts, serviceWorkerShell) replaces both string literals: the shell's file
// list, and the cache's name, "parley-shell-" and a hash over those files.
const PRECACHE = "__PARLEY_PRECACHE__" as unknown as string[];
const CACHE = "__PARLEY_SHELL_CACHE__";
const CACHE_PREFIX = "parley-shell-";
const API_PATHS = ["/v1/", "/metrics", "/healthz"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || API_PATHS.some((path) => url.pathname.startsWith(path))) {
    return; // the network, untouched
  }
  if (request.mode === "navigate") {
    // The newest shell when the server answers; the cached one when it does not (offline, or
    // the server is down), so the app can open and tell the user.
    event.respondWith(fetch(request).catch(() => cachedShell()));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  }
});

async function cachedShell(): Promise<Response> {
  const shell = await caches.match("/", { cacheName: CACHE });
  return shell ?? Response.error();
}
