// Time to open a conversation of 10,000 messages in the browser. A `parley` CLI user (cli.mjs,
// through its JSON-RPC daemon) starts a 1:1 with a browser user, who accepts it; then it sends
// --messages texts while the browser's page is closed, in chunks that fit the server's mailbox
// quota, and after each chunk the browser opens the app again and reads its backlog through the
// app's own inbox (mailbox open, MLS decrypt, store) until the chunk's last text is stored. So the
// store that is then opened is the app's real one, filled by real messages, in minutes rather than
// the 40 of typing them into the composer. Then the browser reloads the app --runs times and
// clicks the conversation. Measured in the page: from the click to the first animation frame after
// the newest message is on screen (the view opens at the newest messages, the app reads only that
// last page); then from pressing "Show earlier messages" to the frame after the next page is on
// screen (older pages are read as the user scrolls up); and the time from the reload to the
// conversation list (the list comes from stored summaries, not from the messages).
//   node bench/web/open-conversation.mjs [--messages 10000] [--runs 5] [--url http://127.0.0.1:PORT/] [--jar PATH]
import { appServer, launchChromium, machine, option, percentile, round } from "./common.mjs";
import { CHAT_SERVER_ARGS, benchUsername, registeredPage } from "./chat.mjs";
import { CliUser } from "./cli.mjs";

const messages = Number(option("messages", 10_000));
const runs = Number(option("runs", 5));
/** Texts sent while the browser is away, well under a mailbox's 10,000 messages (server MailboxLimits). */
const CHUNK = 2_500;
const server = await appServer(CHAT_SERVER_ARGS);
const browser = await launchChromium();
const opened = [];
const startup = [];
const earlier = [];
const seeding = { sendSeconds: 0, receiveSeconds: 0 };
let carol;
try {
  const [aliceName, carolName] = [benchUsername("alice"), benchUsername("carol")];
  let page = await registeredPage(browser, server.url, aliceName);
  carol = await CliUser.register(server.url, carolName);
  await carol.call("send", { recipient: aliceName, message: "hello" });
  await page.getByTestId("conversation").first().click({ timeout: 60_000 });
  await page.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("button", { name: "Accept" }).waitFor({ state: "detached", timeout: 60_000 });
  await page.getByTestId("message-text").filter({ hasText: "hello" }).waitFor({ timeout: 60_000 });
  for (let sent = 0; sent < messages; sent += CHUNK) {
    const until = Math.min(messages, sent + CHUNK);
    await page.close();
    let started = Date.now();
    await carol.sendMany(aliceName, sent, until);
    seeding.sendSeconds += (Date.now() - started) / 1000;
    started = Date.now();
    page = await browser.contexts()[0].newPage();
    await page.goto(server.url);
    await page.locator(".conversation__last").filter({ hasText: new RegExp(`^bench ${until - 1}$`) }).waitFor({ timeout: 1_800_000 });
    seeding.receiveSeconds += (Date.now() - started) / 1000;
    console.error(`${until} messages: sent by the CLI in ${round(seeding.sendSeconds)} s, stored by the browser in ${round(seeding.receiveSeconds)} s (totals)`);
  }
  const last = `bench ${messages - 1}`;
  for (let run = 0; run < runs; run++) {
    await page.reload({ waitUntil: "commit" });
    const listShown = await page.waitForFunction(() => document.querySelector("[data-testid=conversation]") && performance.now(), undefined, {
      polling: "raf",
      timeout: 120_000,
    });
    startup.push(await listShown.jsonValue());
    opened.push(
      await page.evaluate(
        (last) =>
          new Promise((ok, fail) => {
            const shown = () => [...document.querySelectorAll("[data-testid=message-text]")].some((e) => e.textContent.trim() === last);
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
      ),
    );
    earlier.push(
      await page.evaluate(() => {
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
      }),
    );
    console.error(
      `app started (list shown) ${round(startup.at(-1))} ms after the reload, conversation opened in ${round(opened.at(-1))} ms, ` +
        `an earlier page in ${earlier.at(-1) === null ? "- (one page only)" : `${round(earlier.at(-1))} ms`}`,
    );
  }
} finally {
  await carol?.close();
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
    cliSendSeconds: round(seeding.sendSeconds),
    browserReceiveSeconds: round(seeding.receiveSeconds),
    open: summary(opened),
    startup: summary(startup),
    earlierPage: summary(earlier),
    machine: machine(),
  }),
);
