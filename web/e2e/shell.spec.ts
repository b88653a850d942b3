// The app as a page and as an installed app: it loads under the server's Content-Security-Policy
// with no console error or CSP violation, installs its manifest and service worker, opens offline
// from the service worker's shell, and says so when the server is stopped.
import type { Page } from "@playwright/test";
import { expect, test } from "./harness";
import { registerInBrowser } from "./ui-steps";

/** Console errors, uncaught exceptions and CSP violations of a page, collected from its first script on. */
async function watchForProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  // DevTools injects this script, so the CSP does not apply to it; the page's own code cannot hide a violation from it.
  await page.exposeFunction("parleyReportViolation", (text: string) => problems.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { parleyReportViolation: (text: string) => void }).parleyReportViolation;
      void report(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  return problems;
}

/** Waits until the service worker controls the page and its shell cache is filled; returns the cache's file list. */
async function installedShell(page: Page): Promise<string[]> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  });
  return page.evaluate(async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith("parley-shell-"));
    if (names.length !== 1) throw new Error(`expected one shell cache, found ${JSON.stringify(names)}`);
    const cache = await caches.open(names[0]);
    return (await cache.keys()).map((request) => new URL(request.url).pathname).sort();
  });
}

test("the page loads under the strict CSP with no console error or violation", async ({ page }) => {
  const problems = await watchForProblems(page);
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe");
  await expect(page.locator("#app")).not.toBeEmpty();
  // Every script and stylesheet the browser loaded passed its integrity check (a mismatch is a console error).
  const subresources = await page.locator("script[src], link[rel=stylesheet], link[rel=modulepreload]").evaluateAll((nodes) =>
    nodes.map((node) => ({ integrity: node.getAttribute("integrity"), crossorigin: node.getAttribute("crossorigin") })),
  );
  expect(subresources.length).toBeGreaterThan(0);
  for (const subresource of subresources) {
    expect(subresource.integrity).toMatch(/^sha384-/);
    expect(subresource.crossorigin).not.toBeNull();
  }
  await installedShell(page);
  expect(problems).toEqual([]);

  // An inline script, as injected markup would carry, is refused: the CSP is in force, not only sent.
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.parleyInlineRan = true";
    document.body.append(script);
  });
  await expect.poll(() => problems.filter((problem) => problem.startsWith("CSP violation: script-src-elem blocked inline"))).toHaveLength(1);
  expect(await page.evaluate(() => "parleyInlineRan" in window)).toBe(false);
});

test("the manifest makes it installable and the service worker keeps the shell", async ({ page, parley }) => {
  await page.goto("/");
  const manifestUrl = await page.locator("link[rel=manifest]").getAttribute("href");
  expect(manifestUrl).toBe("/manifest.webmanifest");
  const manifestResponse = await page.request.get(manifestUrl!);
  expect(manifestResponse.headers()["content-type"]).toBe("application/manifest+json");
  const manifest = await manifestResponse.json();
  expect(manifest).toMatchObject({ name: "Parley", start_url: "/", display: "standalone" });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  const sizes = manifest.icons.map((icon: { sizes: string }) => icon.sizes);
  expect(sizes).toEqual(expect.arrayContaining(["192x192", "512x512"]));
  expect(manifest.icons.some((icon: { purpose?: string }) => icon.purpose === "maskable")).toBe(true);
  for (const icon of manifest.icons as { src: string; type: string }[]) {
    const response = await page.request.get(icon.src);
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()["content-type"]).toBe(icon.type);
  }

  const shell = await installedShell(page);
  const scripts = await page.locator("script[src]").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("src")));
  expect(shell).toEqual(expect.arrayContaining(["/", "/manifest.webmanifest", ...scripts]));
  expect(shell.some((path) => path.startsWith("/v1/") || path === "/healthz" || path === "/metrics")).toBe(false);
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return { scope: registration?.scope, script: registration?.active?.scriptURL };
  });
  expect(worker).toEqual({ scope: `${parley.server.url}/`, script: `${parley.server.url}/sw.js` });
});

test("the installed shell opens offline and leaves the API to the network", async ({ page, context }) => {
  const problems = await watchForProblems(page);
  await page.goto("/");
  await installedShell(page);
  await context.setOffline(true);
  const offline = await page.reload();
  expect(offline?.status()).toBe(200);
  expect(offline?.fromServiceWorker()).toBe(true);
  await expect(page.locator("#app")).not.toBeEmpty();
  await expect(page).toHaveTitle("Parley");
  // The API never comes from the cache: offline, it fails as the network does.
  const health = await page.evaluate(() => fetch("/healthz").then((r) => `status ${r.status}`, (e: Error) => `failed: ${e.name}`));
  expect(health).toBe("failed: TypeError");
  await context.setOffline(false);
  expect(await page.evaluate(() => fetch("/healthz").then((r) => r.text()))).toBe("ok\n");
  expect(problems.filter((problem) => !problem.includes("/healthz") && !problem.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});

test("with the server stopped, the installed shell still opens", async ({ page, parley }) => {
  await page.goto("/");
  await installedShell(page);
  await parley.server.stop();
  const response = await page.reload();
  expect(response?.fromServiceWorker()).toBe(true);
  await expect(page.locator("#app")).not.toBeEmpty();
  await parley.server.restart();
  expect(await page.evaluate(() => fetch("/healthz").then((r) => r.text()))).toBe("ok\n");
});

test("a signed-in user sees that the server cannot be reached, and the app recovers when it is back", async ({ page, parley }) => {
  await registerInBrowser(page, "alice");
  await installedShell(page);
  const banner = page.getByTestId("connection-banner");
  await expect(banner).toBeHidden();
  await parley.server.stop();
  await expect(banner).toHaveText("Cannot reach the server. Messages are queued and sent on reconnect. If your network blocks the server, add a bridge link in Settings.", { timeout: 60_000 });
  // Opened again while the server is down: the shell comes from the service worker, the profile
  // from IndexedDB, and the same error shows until the server is back.
  const reopened = await page.reload();
  expect(reopened?.fromServiceWorker()).toBe(true);
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
  await expect(banner).toHaveText("Cannot reach the server. Messages are queued and sent on reconnect. If your network blocks the server, add a bridge link in Settings.", { timeout: 60_000 });
  await parley.server.restart();
  await expect(banner).toBeHidden({ timeout: 60_000 });
});
