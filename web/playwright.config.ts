import { defineConfig } from "@playwright/test";

// Browser tests: Debian's chromium (never a downloaded browser), headless, one worker (each test
// starts its own Parley server and CLI users; the machine is small). Screenshots go to
// test-results/, which CI keeps as artifacts. e2e/harness.ts sets each test's baseURL.
export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
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
