// The send-token wallet blinds and finalizes in a module Web Worker (src/core/tokens/rsaWork.ts).
// Where the worker does not load it falls back to the main thread without a word, so a CSP that
// came to refuse it would cost speed, not function: this test catches that under the server's own CSP.
import { expect, test } from "./harness";
import { sendText, startDirectWithCli } from "./ui-steps";

test.use({ locale: "en-US" });

test("the token worker loads under the server's CSP and sealed sends still reach a CLI user", async ({ page, parley }) => {
  const refused: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
  });
  const blinder = page.waitForEvent("worker", {
    predicate: (worker) => worker.url().includes("/assets/blinder-"),
    timeout: 60_000,
  });
  const bob = await parley.registered("bob");
  await startDirectWithCli(page, bob, "first, as a request");

  const worker = await blinder;
  expect(await worker.evaluate(() => (self as unknown as { name: string }).name)).toBe("parley-token-blinder");
  // Once bob accepted, alice's sends are sealed and each spends a token the worker made.
  await sendText(page, "sealed, paid with a token");
  await bob.waitForText("sealed, paid with a token", "alice");
  expect(refused).toEqual([]);
});
