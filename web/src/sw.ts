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
/**
 * How long a page load waits for the server before the cached shell opens instead: a network that
 * blocks the server may drop its packets rather than refuse them, and the app must still open to
 * go through a bridge.
 */
const NAVIGATION_WAIT_MS = 4_000;

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
    // The newest shell when the server answers; the cached one when it does not (offline, the
    // server down or blocked), so the app can open, tell the user, and use a bridge.
    event.respondWith(newestOrCachedShell(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  }
});

/** The network's answer, unless it fails or takes longer than NAVIGATION_WAIT_MS while a cached shell is there. */
async function newestOrCachedShell(request: Request): Promise<Response> {
  const network = fetch(request);
  const cached = await caches.match("/", { cacheName: CACHE });
  if (!cached) return network.catch(() => Response.error());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Response>((resolve) => (timer = setTimeout(() => resolve(cached), NAVIGATION_WAIT_MS)));
  try {
    return await Promise.race([network.catch(() => cached), late]);
  } finally {
    clearTimeout(timer);
  }
}
