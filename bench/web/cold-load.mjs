// Time to interactive on a cold load in Chromium: each run is a fresh browser context (empty HTTP
// cache, no service worker, no stored profile), loopback network without throttling. Interactive
// means: the start screen shows an enabled input or button, and every long task (> 50 ms, from the
// PerformanceObserver) seen until 3 s after that has ended. Also reported: first contentful paint
// and the load event. Median and worst over --runs (default 10).
//   node bench/web/cold-load.mjs [--url http://127.0.0.1:PORT/] [--runs 10]
import { appServer, launchChromium, machine, option, percentile, round } from "./common.mjs";

const runs = Number(option("runs", 10));
const server = await appServer();
const browser = await launchChromium();
const samples = [];
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
      }).observe({ type: "longtask", buffered: true });
    });
    await page.goto(server.url, { waitUntil: "commit" });
    const control = await page.waitForFunction(
      () => {
        const found = [...document.querySelectorAll("input, button, textarea")].find(
          (el) => !el.disabled && el.getBoundingClientRect().width > 0,
        );
        return found ? performance.now() : undefined;
      },
      undefined,
      { polling: "raf", timeout: 30_000 },
    );
    const controlAt = await control.jsonValue();
    await page.waitForTimeout(3000);
    const sample = await page.evaluate((controlAt) => {
      const navigation = performance.getEntriesByType("navigation")[0];
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return {
        firstContentfulPaintMs: paint?.startTime,
        controlShownMs: controlAt,
        interactiveMs: Math.max(controlAt, ...window.__longTasks),
        longTasks: window.__longTasks.length,
        domContentLoadedMs: navigation.domContentLoadedEventEnd,
        loadMs: navigation.loadEventEnd,
        transferredKiB: performance.getEntriesByType("resource").reduce((n, r) => n + r.transferSize, navigation.transferSize) / 1024,
      };
    }, controlAt);
    samples.push(sample);
    console.log(JSON.stringify({ run, ...Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, round(v)])) }));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const summary = (key) => ({ p50: round(percentile(samples.map((s) => s[key]), 50)), max: round(Math.max(...samples.map((s) => s[key]))) });
console.log(
  JSON.stringify({
    bench: "web-cold-load",
    url: server.url,
    runs,
    interactiveMs: summary("interactiveMs"),
    firstContentfulPaintMs: summary("firstContentfulPaintMs"),
    loadMs: summary("loadMs"),
    machine: machine(),
  }),
);
