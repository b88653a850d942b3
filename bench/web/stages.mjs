// Where a message's send-to-render time goes, for `latency.mjs --stages`: the app records User
// Timing measures "parley:STAGE" when a page sets globalThis.parleyStageTimings (web/src/core/timing.ts);
// these helpers switch that on, collect the measures after each message, and cut each message's
// latency into segments between consecutive checkpoints, so that the segments add up to it.
import { percentile, round } from "./common.mjs";

/** The checkpoints of one message, in the order it passes them: [segment name, page, stage, edge]. */
const CHECKPOINTS = [
  ["composer (Enter to the send's turn for the groups' lock)", "alice", "send.lock", "start"],
  ["sender waits for the groups' lock", "alice", "send.lock", "end"],
  ["MLS encrypt (ts-mls)", "alice", "send.encrypt", "end"],
  ["group state saved (IndexedDB)", "alice", "send.saveGroup", "end"],
  ["payload wrap + outbox write (IndexedDB)", "alice", "send.queue", "end"],
  ["outbox pump picks it up", "alice", "carrier.token", "start"],
  ["send token", "alice", "carrier.token", "end"],
  ["WebSocket + server + push to the receiver", "bob", "receive.wait", "start"],
  ["receiver waits for the groups' lock", "bob", "receive.wait", "end"],
  ["mailbox HPKE open", "bob", "receive.open", "end"],
  ["payload unwrap", "bob", "receive.unwrap", "end"],
  ["MLS decrypt (ts-mls)", "bob", "receive.decrypt", "end"],
  ["group state saved (IndexedDB)", "bob", "receive.saveGroup", "end"],
  ["message stored (vault encryption + IndexedDB)", "bob", "receive.store", "end"],
];
const RENDER_SEGMENT = "render (stored to the first frame showing it)";
/** Not a segment of the chain, but what the server's fsync costs shows in it: Send to SendAccepted. */
const ACCEPTED = "sender's Send to SendAccepted (server stored it, fsync included)";

/** Makes both pages record their stage timings from now on. */
export function recordStages(...pages) {
  return Promise.all(pages.map((page) => page.evaluate(() => (globalThis.parleyStageTimings = true))));
}

/** The measures each page recorded since the last call, in epoch milliseconds; clears them. */
export async function collectStages(alice, bob) {
  const take = (page) =>
    page.evaluate(() => {
      const entries = performance
        .getEntriesByType("measure")
        .filter((m) => m.name.startsWith("parley:"))
        .map((m) => ({ stage: m.name.slice("parley:".length), start: performance.timeOrigin + m.startTime, duration: m.duration, key: m.detail ?? {} }));
      performance.clearMeasures();
      return entries;
    });
  return { alice: await take(alice), bob: await take(bob) };
}

/**
 * Per segment, p50/p90/p99/max over the messages, and the slowest messages cut into segments.
 * `timelines` are every message's {i, sentAt, renderedAt, alice, bob}; the first `skip` are warm-up
 * (their measures still help to join later ones).
 */
export function stageReport(timelines, skip) {
  const alice = index(timelines.flatMap((t) => t.alice));
  const bob = index(timelines.flatMap((t) => t.bob));
  const cut = [];
  const accepted = [];
  let unjoined = 0;
  /** Messages the receiver showed before the sender's composer heard that the send was taken. */
  let sendReturnedAfterShown = 0;
  for (const t of timelines.slice(skip)) {
    const stored = t.bob.find((e) => e.stage === "receive.store");
    const queued = stored && alice.get(`send.queue:${stored.key.id}`);
    if (!stored || !queued) {
      unjoined++;
      continue;
    }
    const keys = { alice: [stored.key.id, queued.key.send], bob: [stored.key.envelope] };
    const at = (page, stage, edge) => {
      const map = page === "alice" ? alice : bob;
      const entry = keys[page].map((k) => map.get(`${stage}:${k}`)).find((e) => e);
      return entry && (edge === "start" ? entry.start : entry.start + entry.duration);
    };
    let previous = t.sentAt;
    const segments = {};
    for (const [name, page, stage, edge] of CHECKPOINTS) {
      const time = at(page, stage, edge);
      if (time === undefined) continue; // e.g. no token stage for an unsealed send: the next segment holds it
      segments[name] = (segments[name] ?? 0) + time - previous;
      previous = time;
    }
    segments[RENDER_SEGMENT] = t.renderedAt - previous;
    cut.push({ i: t.i, latency: t.renderedAt - t.sentAt, segments });
    const server = alice.get(`carrier.server:${queued.key.send}`);
    if (server) accepted.push(server.duration);
    const returned = alice.get(`ui.send:${stored.key.id}`);
    if (returned && returned.start + returned.duration > t.renderedAt) sendReturnedAfterShown++;
  }
  const names = [...CHECKPOINTS.map(([name]) => name), RENDER_SEGMENT];
  const summary = (values) => ({ p50: round(percentile(values, 50)), p90: round(percentile(values, 90)), p99: round(percentile(values, 99)), max: round(Math.max(...values)) });
  const stages = {};
  for (const name of new Set(names)) stages[name] = summary(cut.map((c) => c.segments[name] ?? 0));
  stages[ACCEPTED] = summary(accepted);
  const slowest = [...cut]
    .sort((a, b) => b.latency - a.latency)
    .slice(0, 5)
    .map((c) => ({
      message: c.i,
      latencyMs: round(c.latency),
      // The segments that took 5 ms or more, largest first.
      segments: Object.fromEntries(Object.entries(c.segments).filter(([, ms]) => ms >= 5).sort((a, b) => b[1] - a[1]).map(([n, ms]) => [n, round(ms)])),
    }));
  return { bench: "web-send-to-render-stages", messages: cut.length, unjoined, sendReturnedAfterShown, stagesMs: stages, slowest };
}

/** Measures by "stage:key" for every key a measure carries (content id, send id, envelope id). */
function index(entries) {
  const map = new Map();
  for (const entry of entries) {
    for (const key of Object.values(entry.key)) map.set(`${entry.stage}:${key}`, entry);
  }
  return map;
}

/**
 * Where message `i` is when it did not show: whether the sender's composer took it, its status on
 * the sender's screen (absent: never sent; queued: still in the outbox), and what the receiver shows.
 */
export async function whereIsIt(alice, bob, i) {
  const text = `bench ${i}`;
  const sender = await alice.evaluate(
    ([i, text]) => {
      const item = [...document.querySelectorAll("[data-testid=message]")].find((m) => m.querySelector("[data-testid=message-text]")?.textContent.trim() === text);
      return {
        enterSeen: i in window.__sent,
        composer: document.querySelector("#composer-text")?.value,
        status: item ? (item.querySelector("[data-testid=message-status]")?.dataset.status ?? "shown without a status") : "not in the list",
        notices: [...document.querySelectorAll(".notice")].map((n) => n.textContent),
      };
    },
    [i, text],
  );
  const receiver = await bob.evaluate(
    ([i, text]) => ({
      rendered: window.__rendered[i],
      inDom: [...document.querySelectorAll("[data-testid=message-text]")].some((m) => m.textContent.trim() === text),
      notices: [...document.querySelectorAll(".notice")].map((n) => n.textContent),
    }),
    [i, text],
  );
  return { sender, receiver };
}
