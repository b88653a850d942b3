// Time to open a conversation of 10,000 messages: one browser user sends --messages texts to
// another through a real Parley server (through the app's composer, each once the app took the
// one before), and both wait until the last one is stored. Then each reloads the app --runs times
// and clicks the conversation. Measured in the page: from the click to the first animation frame
// after the newest message is on screen (the view opens at the newest messages, the app reads only
// that last page); then from pressing "Show earlier messages" to the frame after the next page is
// on screen (older pages are read as the user scrolls up); and the time from the reload to the
// conversation list (the list comes from stored summaries, not from the messages).
//   node bench/web/open-conversation.mjs [--messages 10000] [--runs 5] [--url http://127.0.0.1:PORT/]
import { appServer, launchChromium, machine, option, percentile, round } from "./common.mjs";
import { CHAT_SERVER_ARGS, benchUsername, connect, registeredPage, sendMany } from "./chat.mjs";

const messages = Number(option("messages", 10_000));
const runs = Number(option("runs", 5));
const server = await appServer(CHAT_SERVER_ARGS);
const browser = await launchChromium();
const result = { sender: [], receiver: [] };
const startup = { sender: [], receiver: [] };
const earlier = { sender: [], receiver: [] };
let sendSeconds;
try {
  const [aliceName, bobName] = [benchUsername("alice"), benchUsername("bob")];
  const alice = await registeredPage(browser, server.url, aliceName);
  const bob = await registeredPage(browser, server.url, bobName);
  await connect(alice, bob, bobName);
  const started = Date.now();
  for (let sent = 0; sent < messages; sent += 500) {
    await sendMany(alice, sent, Math.min(messages, sent + 500));
    console.error(`${Math.min(messages, sent + 500)} messages sent after ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const last = `bench ${messages - 1}`;
  for (const page of [alice, bob]) {
    await page.getByTestId("message-text").filter({ hasText: new RegExp(`^${last}$`) }).waitFor({ timeout: 1_800_000 });
  }
  sendSeconds = (Date.now() - started) / 1000;
  for (const [role, page] of [["sender", alice], ["receiver", bob]]) {
    for (let run = 0; run < runs; run++) {
      await page.reload({ waitUntil: "commit" });
      const listShown = await page.waitForFunction(() => document.querySelector("[data-testid=conversation]") && performance.now(), undefined, {
        polling: "raf",
        timeout: 120_000,
      });
      startup[role].push(await listShown.jsonValue());
      const elapsed = await page.evaluate(
        (last) =>
          new Promise((ok, fail) => {
            const shown = () =>
              [...document.querySelectorAll("[data-testid=message-text]")].some((e) => e.textContent.trim() === last);
            const timer = setTimeout(() => fail(new Error(`${last} did not show within 60 s`)), 60_000);
            const start = performance.now();
            const observer = new MutationObserver(() => {
              if (!shown()) return;
              observer.disconnect();
              requestAnimationFrame(() => {
                clearTimeout(timer);
                ok(performance.now() - start);
              });
            });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            document.querySelector("[data-testid=conversation]").click();
          }),
        last,
      );
      result[role].push(elapsed);
      earlier[role].push(await page.evaluate(() => {
        const count = () => document.querySelectorAll("[data-testid=message-text]").length;
        const before = count();
        const button = document.querySelector(".messages__earlier button");
        if (!button) return null; // all messages fit on the first page
        return new Promise((ok, fail) => {
          const timer = setTimeout(() => fail(new Error("no earlier page within 60 s")), 60_000);
          const start = performance.now();
          const observer = new MutationObserver(() => {
            if (count() <= before) return;
            observer.disconnect();
            requestAnimationFrame(() => {
              clearTimeout(timer);
              ok(performance.now() - start);
            });
          });
          observer.observe(document.body, { childList: true, subtree: true });
          button.click();
        });
      }));
      console.error(
        `${role}: app started (list shown) ${round(startup[role].at(-1))} ms after the reload, conversation opened in ${round(elapsed)} ms, ` +
          `an earlier page in ${earlier[role].at(-1) === null ? "- (one page only)" : `${round(earlier[role].at(-1))} ms`}`,
      );
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
const summary = (measured) => {
  const values = measured.filter((v) => v !== null);
  return values.length === 0 ? null : { p50Ms: round(percentile(values, 50)), maxMs: round(Math.max(...values)) };
};
console.log(
  JSON.stringify({
    bench: "web-open-conversation",
    messages,
    runs,
    sendAndDeliverSeconds: round(sendSeconds),
    openSender: summary(result.sender),
    openReceiver: summary(result.receiver),
    startupSender: summary(startup.sender),
    startupReceiver: summary(startup.receiver),
    earlierPageSender: summary(earlier.sender),
    earlierPageReceiver: summary(earlier.receiver),
    machine: machine(),
  }),
);
