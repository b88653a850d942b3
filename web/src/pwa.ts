// Makes the app installable and able to open offline: registers the service worker (src/sw.ts,
// built as /sw.js) in a production build. The UI imports this once at start-up.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  const register = () =>
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error: unknown) => {
      // Without it the app still works online; only the offline shell is missing.
      console.warn("Parley: the offline shell could not be installed:", error instanceof Error ? error.message : error);
    });
  if (document.readyState === "complete") void register();
  else window.addEventListener("load", () => void register(), { once: true });
}
