// The outgoing queue's timing and order, against a scripted server: a send the server rate-limits
// goes again after retry_after_ms and the sends behind it in its queue key wait for it, other
// queue keys pass; a send refused for good is reported and dropped; a dropped connection keeps
// the queue until the reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, type ServerFrame } from "../../src/gen/parley/v1/parley_pb";
import { randomBytes, toHex } from "../../src/core/bytes";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { IndexedDbVault } from "../../src/core/store/vault";
import { TokenWallet } from "../../src/core/tokens/wallet";
import { QueueCarrier } from "../../src/core/wire/carrier";
import { until } from "../net/until";
import { scriptedServer, type ScriptAnswer, type ScriptedServer } from "../net/scripted";

describe("the outgoing queue against a scripted server", () => {
  let server: ScriptedServer;
  let script: (messageId: string, attempt: number) => ScriptAnswer;
  const arrivals: string[] = [];
  const attempts = new Map<string, number>();
  let url: string;

  beforeAll(async () => {
    server = await scriptedServer((request) => {
      if (request.body.case !== "send") return "silent";
      const id = toHex(request.body.value.messageId);
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      arrivals.push(id);
      return script(id, attempt);
    });
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
  });

  const accepted = (id: string): ServerFrame["body"] => ({ case: "sendAccepted", value: { $typeName: "parley.v1.SendAccepted", messageId: Uint8Array.from(Buffer.from(id, "hex")), unknownDeviceIds: [] } });
  const refused = (code: ErrorCode, retryAfterMs = 0n): ServerFrame["body"] => ({ case: "error", value: { $typeName: "parley.v1.Error", code, message: ErrorCode[code], retryAfterMs } });
  const recipients = [{ accountId: randomBytes(16), deviceIds: [randomBytes(16)] }];

  async function carrier(name: string) {
    const vault = await IndexedDbVault.create(`queue-${name}`);
    const session = await LastingLink.open(url, undefined, { timeoutMs: 3000 });
    const anonymous = new AnonymousLink(url);
    const wallet = await TokenWallet.open(vault, session, anonymous, () => undefined);
    const queue = await QueueCarrier.open(vault, session, anonymous, wallet);
    const sent: string[] = [];
    const failed: string[] = [];
    queue.onSent((key, id) => sent.push(`${key}:${toHex(id)}`));
    queue.onFailed((key, id, e) => failed.push(`${key}:${toHex(id)}:${e.code}`));
    return {
      queue, session, sent, failed,
      close: () => {
        queue.close();
        wallet.close();
        session.close();
        anonymous.close();
        vault.close();
      },
    };
  }

  it("retries a rate-limited send after the hint, keeps its queue key in order, and lets other keys pass", async () => {
    arrivals.length = 0;
    const [a1, a2, b1] = [randomBytes(16), randomBytes(16), randomBytes(16)].map(toHex);
    script = (id, attempt) => (id === a1 && attempt === 1 ? refused(ErrorCode.RATE_LIMITED, 1500n) : accepted(id));
    const c = await carrier("rate");
    try {
      const started = Date.now();
      await c.queue.send("a", Buffer.from(a1, "hex"), recipients, randomBytes(300));
      await c.queue.send("a", Buffer.from(a2, "hex"), recipients, randomBytes(300));
      await c.queue.send("b", Buffer.from(b1, "hex"), recipients, randomBytes(300));
      await until(() => c.sent.length === 3, "all three sends");
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(c.sent).toEqual([`b:${b1}`, `a:${a1}`, `a:${a2}`]);
      expect(arrivals).toEqual([a1, b1, a1, a2]); // a2 never went before a1
      expect(await c.queue.size()).toBe(0);
    } finally {
      c.close();
    }
  });

  it("reports and drops a send refused for good, then sends the next", async () => {
    const [bad, good] = [randomBytes(16), randomBytes(16)].map(toHex);
    script = (id) => (id === bad ? refused(ErrorCode.INVALID_ARGUMENT) : accepted(id));
    const c = await carrier("refused");
    try {
      await c.queue.send("a", Buffer.from(bad, "hex"), recipients, randomBytes(10));
      await c.queue.send("a", Buffer.from(good, "hex"), recipients, randomBytes(10));
      await until(() => c.sent.length === 1, "the good send");
      expect(c.failed).toEqual([`a:${bad}:INVALID_ARGUMENT`]);
      expect(c.sent).toEqual([`a:${good}`]);
    } finally {
      c.close();
    }
  });

  it("keeps a send whose connection dropped and sends it after the reconnect", async () => {
    const id = toHex(randomBytes(16));
    script = (m, attempt) => (attempt === 1 ? "drop" : accepted(m));
    const c = await carrier("dropped");
    try {
      await c.queue.send("a", Buffer.from(id, "hex"), recipients, randomBytes(10));
      await until(() => c.sent.length === 1, "the send after the reconnect");
      expect(attempts.get(id)).toBe(2);
      expect(c.failed).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("refuses what can never be sent before queueing it", async () => {
    const c = await carrier("invalid");
    try {
      await expect(c.queue.send("a", randomBytes(15), recipients, randomBytes(1))).rejects.toThrow(/16 bytes/);
      await expect(c.queue.send("a", randomBytes(16), [], randomBytes(1))).rejects.toThrow(/recipient/);
      await expect(c.queue.send("a", randomBytes(16), recipients, new Uint8Array(256 * 1024 + 1))).rejects.toThrow(/at most/);
      expect(await c.queue.size()).toBe(0);
    } finally {
      c.close();
    }
  });
});
