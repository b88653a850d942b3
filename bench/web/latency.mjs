// Send-to-render latency between two browsers through a real Parley server: two fresh contexts of
// one Chromium register two users in the app, start a 1:1 (accepted), and one sends --messages
// texts (after --warmup unmeasured ones, default 10), one at a time, each after the previous one showed up. Latency runs
// from the Enter key on the sender's page to the first animation frame after the text entered the
// receiver's DOM; both pages read the same machine's clock (performance.timeOrigin + now).
// --stages also prints where the time went: the app's own stage timings (web/src/core/timing.ts)
// per message, as segments that add up to each message's latency (stages.mjs).
// A server that has run for a while has its send path compiled by the JIT; a fresh one compiles it
// during the first few hundred messages, which a larger --warmup leaves out of the figures.
//   node bench/web/latency.mjs [--messages 200] [--warmup 10] [--url http://127.0.0.1:PORT/] [--stages]
import { appServer, launchChromium, machine, option, percentile, round } from "./common.mjs";
import { CHAT_SERVER_ARGS, benchUsername, connect, registeredPage, send, watchRenders, watchSends } from "./chat.mjs";
import { collectStages, recordStages, stageReport, whereIsIt } from "./stages.mjs";

const messages = Number(option("messages", 200));
const withStages = process.argv.includes("--stages");
const warmUp = Number(option("warmup", 10));
const server = await appServer(CHAT_SERVER_ARGS);
const browser = await launchChromium();
const latencies = [];
const timelines = [];
try {
  const [aliceName, bobName] = [benchUsername("alice"), benchUsername("bob")];
  const alice = await registeredPage(browser, server.url, aliceName);
  const bob = await registeredPage(browser, server.url, bobName);
  await connect(alice, bob, bobName);
  await watchSends(alice);
  await watchRenders(bob);
  if (withStages) await recordStages(alice, bob);
  for (let i = 0; i < warmUp + messages; i++) {
    await send(alice, `bench ${i}`);
    try {
      await bob.waitForFunction((i) => window.__rendered[i] > 0, i, { timeout: 30_000 });
    } catch (e) {
      throw new Error(`bench ${i} did not show on the receiver within 30 s: ${JSON.stringify(await whereIsIt(alice, bob, i))}`, { cause: e });
    }
    const sentAt = await alice.evaluate((i) => window.__sent[i], i);
    const renderedAt = await bob.evaluate((i) => window.__rendered[i], i);
    if (withStages) timelines.push({ i, sentAt, renderedAt, ...(await collectStages(alice, bob)) });
    if (i >= warmUp) latencies.push(renderedAt - sentAt);
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(
  JSON.stringify({
    bench: "web-send-to-render",
    messages: latencies.length,
    warmUp,
    p50Ms: round(percentile(latencies, 50)),
    p90Ms: round(percentile(latencies, 90)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
    machine: machine(),
  }),
);
if (withStages) console.log(JSON.stringify(stageReport(timelines, warmUp)));
