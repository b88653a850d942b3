// A device unlinked with `parley unlink` leaves its conversations at once, not at the next start
// of some other device: alice (CLI) unlinks her browser; bob, in another browser, keeps running
// and sends. Each send names its recipient devices (RecipientAccount.device_ids: the members of
// the MLS group at the sender), so the frames bob's page sends show when the unlinked device left
// bob's copy of the group. alice's CLI daemon stays stopped until then: its start would remove
// the device too, and the point is that the unlink itself did.
import { fromBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema } from "../src/gen/parley/v1/parley_pb";
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, sendText } from "./ui-steps";

test.use({ locale: "en-US" });

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

test("a browser unlinked with parley unlink leaves the conversation without a restart", async ({ page, browser, parley, baseURL }) => {
  test.setTimeout(300_000);
  const alice = await parley.registered("alice");

  // bob's browser, whose sends are recorded: the recipient devices of each.
  const bobContext = await browser.newContext({ baseURL, locale: "en-US" });
  const bobPage = await bobContext.newPage();
  const recipientsOfSends: string[][] = [];
  await bobPage.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (typeof message !== "string") {
        const body = fromBinary(ClientFrameSchema, message).body;
        if (body.case === "send") recipientsOfSends.push(body.value.recipients.flatMap((r) => r.deviceIds.map(hex)));
      }
      server.send(message);
    });
    server.onMessage((message) => ws.send(message));
  });
  await registerInBrowser(bobPage, "bob");

  // The browser `page` becomes alice's second device.
  await page.goto("/");
  await page.getByRole("button", { name: "Link this browser" }).click();
  await page.getByLabel("Username").fill("alice");
  await page.getByRole("button", { name: "Get a link code" }).click();
  const code = (await page.getByTestId("link-code").textContent({ timeout: 60_000 }))!.trim();
  await alice.linkAccept(code);
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
  const devices = (await alice.run(["devices"])).stdout.trim().split("\n");
  const browserDevice = devices.find((line) => !line.includes("this device"))!.split(/\s+/)[0];
  const cliDevice = devices.find((line) => line.includes("this device"))!.split(/\s+/)[0];
  await alice.startDaemon();

  // alice (CLI) writes to bob, in a 1:1 that holds both of her devices; bob accepts and answers.
  await alice.send({ recipient: "bob" }, "hello bob");
  const request = bobPage.getByTestId("requests").getByTestId("conversation").filter({ hasText: "alice" });
  await expect(request).toBeVisible({ timeout: 60_000 });
  await request.click();
  await bobPage.getByRole("button", { name: "Accept" }).click();
  await expect(messageWithText(bobPage, "hello bob")).toBeVisible({ timeout: 60_000 });
  await sendText(bobPage, "before the unlink");
  await alice.waitForText("before the unlink", "bob", 60_000);
  await page.getByTestId("conversation").filter({ hasText: "bob" }).first().click();
  await expect(messageWithText(page, "before the unlink")).toBeVisible({ timeout: 60_000 });
  expect(recipientsOfSends.some((devices) => devices.includes(browserDevice)), "bob's sends went to alice's browser").toBe(true);

  const unlinked = await alice.run(["unlink", browserDevice.slice(0, 8)]);
  expect(unlinked.stdout).toContain(`Removed device ${browserDevice}; it has left your conversations`);

  // bob's page applies alice's removal commit as it arrives; from then on its sends leave the
  // browser out. It is not told when, so bob writes until a send to alice shows it (or 10 tries).
  let after = "";
  for (let attempt = 1; attempt <= 10; attempt++) {
    const sentBefore = recipientsOfSends.length;
    after = `after the unlink ${attempt}`;
    await sendText(bobPage, after);
    await expect.poll(() => recipientsOfSends.slice(sentBefore).some((devices) => devices.includes(cliDevice)), { timeout: 60_000 }).toBe(true);
    const toAlice = recipientsOfSends.slice(sentBefore).filter((devices) => devices.includes(cliDevice));
    if (toAlice.every((devices) => !devices.includes(browserDevice))) break;
  }
  expect(recipientsOfSends.at(-1), "bob's last send still went to the unlinked browser").not.toContain(browserDevice);

  // alice's remaining device reads it; the unlinked browser does not.
  await alice.startDaemon();
  await alice.waitForText(after, "bob", 60_000);
  await expect(messageWithText(page, after)).toHaveCount(0);
  await bobContext.close();
});
