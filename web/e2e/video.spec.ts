// A video call between two browser users through a real server, with Chromium's fake camera (a
// moving test pattern): each side decodes the other's VP8 frames and draws them (frames counted,
// a canvas that is not blank), the camera button turns a side's video off and on, and the call
// panel leaves the chat header visible at desktop width and at 360 px.
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./harness";
import { screenshots, videoRingBetweenTwoBrowsers } from "./ui-steps";

test.use({ locale: "en-US" });

/** Frames each side must decode: a few seconds at 15 fps, with room for a loaded machine. */
const MIN_DECODED = 20;

function decodedFrames(tile: Locator): Promise<number> {
  return tile.getAttribute("data-decoded").then(Number);
}

/** How much the drawn picture varies: 0 for a blank (all one colour) canvas. */
function canvasSpread(tile: Locator): Promise<number> {
  return tile.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) {
      const luma = (data[i] + data[i + 1] + data[i + 2]) / 3;
      min = Math.min(min, luma);
      max = Math.max(max, luma);
    }
    return max - min;
  });
}

/** The call panel and the chat header share no pixels, and the header is on screen. */
async function expectHeaderUncovered(page: Page): Promise<void> {
  const panel = await page.getByTestId("call-panel").boundingBox();
  const header = await page.locator(".chat__header").boundingBox();
  expect(panel && header).toBeTruthy();
  const overlap = Math.min(panel!.y + panel!.height, header!.y + header!.height) - Math.max(panel!.y, header!.y);
  expect(overlap, `call panel ${JSON.stringify(panel)} over chat header ${JSON.stringify(header)}`).toBeLessThanOrEqual(0);
  await expect(page.locator("#chat-title")).toBeInViewport();
}

test("two browser users in a video call see each other's camera", async ({ page, browser, parley }) => {
  test.setTimeout(240_000);
  const carolContext = await browser.newContext({ baseURL: parley.server.url, locale: "en-US" });
  const carol = await carolContext.newPage();
  try {
    const carolPanel = await videoRingBetweenTwoBrowsers(page, carol);
    await carolPanel.getByRole("button", { name: "Answer with camera" }).click();
    const alicePanel = page.getByTestId("call-panel");
    await expect(alicePanel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
    await expect(carolPanel).toHaveAttribute("data-state", "active", { timeout: 60_000 });

    // Each side draws the other's camera, named by who sent it.
    const aliceSees = alicePanel.getByTestId("remote-video");
    const carolSees = carolPanel.getByTestId("remote-video");
    await expect(aliceSees).toHaveAttribute("data-name", "carol", { timeout: 30_000 });
    await expect(carolSees).toHaveAttribute("data-name", "alice", { timeout: 30_000 });
    await expect.poll(() => decodedFrames(aliceSees), { timeout: 60_000 }).toBeGreaterThan(MIN_DECODED);
    await expect.poll(() => decodedFrames(carolSees), { timeout: 60_000 }).toBeGreaterThan(MIN_DECODED);
    await expect(aliceSees.getByRole("img", { name: "Video of carol" })).toBeVisible();
    expect(await canvasSpread(aliceSees)).toBeGreaterThan(30);
    expect(await canvasSpread(carolSees)).toBeGreaterThan(30);
    expect(await aliceSees.getAttribute("data-skipped")).toBe("0");
    await expect(alicePanel.getByTestId("own-video")).toBeVisible();
    console.log(`decoded: alice saw ${await decodedFrames(aliceSees)} frames of carol, carol ${await decodedFrames(carolSees)} of alice`);

    await expectHeaderUncovered(page);
    await screenshots(page, "video-call", async (narrow) => {
      await expectHeaderUncovered(narrow);
    });

    // The camera button: carol turns hers off (alice's picture of her stops), then on again.
    const cameraOff = carolPanel.getByRole("button", { name: "Turn camera off" });
    await cameraOff.focus();
    await carol.keyboard.press("Enter");
    await expect(carolPanel.getByRole("button", { name: "Turn camera on" })).toBeVisible();
    await expect(carolPanel.getByTestId("own-video")).toHaveCount(0);
    await page.waitForTimeout(1_000);
    const stopped = await decodedFrames(aliceSees);
    await page.waitForTimeout(2_000);
    expect(await decodedFrames(aliceSees)).toBe(stopped);
    await carolPanel.getByRole("button", { name: "Turn camera on" }).click();
    await expect.poll(() => decodedFrames(aliceSees), { timeout: 30_000 }).toBeGreaterThan(stopped + 5);

    await alicePanel.getByRole("button", { name: "Hang up" }).click();
    // Carol's panel shows the end, then goes.
    await expect(carol.locator("[data-testid=call-panel][data-state=active]")).toHaveCount(0, { timeout: 30_000 });
  } finally {
    await carolContext.close();
  }
});
