// The relay link against a real Parley server: two signed-in devices join one call over their
// WebSockets (RequestCallToken, JoinCallOverWebSocket), a media packet goes from one to the other
// without its call id on the wire and arrives with it restored, and hostile MediaFrames (too short
// to be a packet, garbage, another call's id) are dropped without stopping the media that follows.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, toHex } from "../../src/core/bytes";
import { register } from "../../src/core/account/accounts";
import { decodePacket, encodePacket } from "../../src/core/calls/packet";
import { RelayLink } from "../../src/core/calls/relay";
import { MediaFrameSchema } from "../../src/gen/parley/v1/parley_pb";
import { webSocketUrl } from "../../src/core/net/address";
import { LastingLink } from "../../src/core/net/session";
import { IndexedDbVault } from "../../src/core/store/vault";
import { type TestServer, startServer } from "../server";

let server: TestServer;
const sessions: LastingLink[] = [];

async function signedIn(username: string): Promise<LastingLink> {
  const identity = await register(await IndexedDbVault.create(`relay-${username}-${toHex(randomBytes(4))}`), server.url, username);
  const session = await LastingLink.open(webSocketUrl(server.url), identity);
  sessions.push(session);
  return session;
}

async function until<T>(check: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  for (const session of sessions) session.close();
  await server?.stop();
});

describe("relay link over the WebSocket", () => {
  it("carries media packets between two devices of a call, and drops hostile frames", async () => {
    const callId = randomBytes(16);
    const aliceSession = await signedIn("relay_alice");
    const bobSession = await signedIn("relay_bob");
    const atBob: Uint8Array[] = [];
    const alice = await RelayLink.join(aliceSession, callId, () => undefined);
    const bob = await RelayLink.join(bobSession, callId, (packet) => atBob.push(packet));
    expect(alice.participantId).not.toBe(bob.participantId);

    const packet = (sequence: number) =>
      encodePacket({
        flags: 0, callId, participantId: alice.participantId, streamId: 0, sequence, timestamp: BigInt(Date.now()),
        fragmentIndex: 0, fragmentCount: 1, payload: randomBytes(60),
      });
    const first = packet(0);
    expect(alice.send(first)).toBe(true);
    const arrived = await until(() => atBob[0], "first packet at bob");
    expect(toHex(arrived)).toBe(toHex(first));
    expect(toHex(decodePacket(arrived).callId)).toBe(toHex(callId));

    // Hostile frames straight onto the wire: a stub, garbage of packet size, another call's id named.
    for (const payload of [new Uint8Array(3), randomBytes(80)]) aliceSession.post({ case: "mediaFrame", value: create(MediaFrameSchema, { payload }) });
    aliceSession.post({ case: "mediaFrame", value: create(MediaFrameSchema, { callId: randomBytes(16), payload: randomBytes(40) }) });
    const second = packet(1);
    expect(alice.send(second)).toBe(true);
    await until(() => atBob.find((p) => toHex(p) === toHex(second)), "the packet after the hostile ones");
    // The stub never reached bob as a packet; the garbage did, with the call id put back, for CallMedia to refuse.
    for (const got of atBob.filter((p) => toHex(p) !== toHex(first) && toHex(p) !== toHex(second))) {
      expect(() => decodePacket(got)).toThrow();
    }
    expect(() => alice.send(encodePacket({ ...decodePacket(first), callId: randomBytes(16) }))).toThrow("not a media packet of this call");
    alice.close();
    bob.close();
    expect(alice.send(second)).toBe(false);
  });
});
