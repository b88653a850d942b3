// Lighthouse 12.2.3 (bench/web/package.json; version 13 needs Node 22) against the app in Debian's
// Chromium (CHROME_PATH, default /usr/bin/chromium): performance, accessibility and best-practices
// scores with Lighthouse's default mobile emulation (simulated slow 4G and 4x CPU slowdown) and its
// desktop preset, plus the metrics behind the performance score. Full reports go to --out.
//   (cd bench/web && npm ci) && node bench/web/lighthouse.mjs [--url http://127.0.0.1:PORT/] [--out DIR]
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM, appServer, machine, option, round } from "./common.mjs";

const out = option("out", mkdtempSync(join(tmpdir(), "parley-lighthouse-")));
mkdirSync(out, { recursive: true });
const server = await appServer();
const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"] });
const results = {};
try {
  for (const [formFactor, config] of [
    ["mobile", undefined],
    ["desktop", desktopConfig],
  ]) {
    const runner = await lighthouse(
      server.url,
      { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance", "accessibility", "best-practices"] },
      config,
    );
    const lhr = runner.lhr;
    writeFileSync(join(out, `lighthouse-${formFactor}.json`), runner.report);
    const metric = (id) => round(lhr.audits[id]?.numericValue ?? NaN, 0);
    results[formFactor] = {
      performance: Math.round(lhr.categories.performance.score * 100),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      bestPractices: Math.round(lhr.categories["best-practices"].score * 100),
      firstContentfulPaintMs: metric("first-contentful-paint"),
      largestContentfulPaintMs: metric("largest-contentful-paint"),
      totalBlockingTimeMs: metric("total-blocking-time"),
      interactiveMs: metric("interactive"),
      cumulativeLayoutShift: round(lhr.audits["cumulative-layout-shift"]?.numericValue ?? NaN, 3),
      failedAudits: Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "manual")
        .map((a) => a.id),
      runtimeError: lhr.runtimeError?.message,
    };
    console.log(JSON.stringify({ formFactor, ...results[formFactor] }));
  }
} finally {
  chrome.kill();
  await server.stop();
}
console.log(JSON.stringify({ bench: "web-lighthouse", lighthouse: "12.2.3", url: server.url, reports: out, ...results, machine: machine() }));
