import { defineConfig } from "@playwright/test";

// Browser tests: Debian's chromium (never a downloaded browser), headless. Each test starts its own
// Parley server (a free loopback port, a temporary data folder) and CLI users with profiles of
// their own, so the tests of two spec files run at once: project "app", two workers. The tests
// that measure in real time (calls whose audio is checked by waveform, the switch to an announced
// address against its 5 s goal) lose to a second test on a busy 2-core machine (the calls' audio
// correlation comes close to its 0.9 bar even alone), so they are a project of their own,
// "realtime", that web/maven.sh runs after "app", one test at a time; `npx playwright test` alone
// would run both projects at once. Each project has its own output folder under test-results/,
// which CI keeps as artifacts (screenshots in test-results/screenshots). e2e/harness.ts sets each
// test's baseURL.
const REALTIME = ["**/alternates.spec.ts", "**/calls.spec.ts", "**/webtransport.spec.ts"];

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  workers: 2,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  // Generous: next to another test on a busy 2-core machine a test takes up to twice its time alone.
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  projects: [
    { name: "app", testIgnore: REALTIME, outputDir: "test-results/app" },
    { name: "realtime", testMatch: REALTIME, outputDir: "test-results/realtime", workers: 1 },
  ],
  use: {
    headless: true,
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        // Calls: a fake microphone and camera (a test passes a WAV file with --use-file-for-fake-audio-capture).
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
      ],
    },
  },
});
