// CallKeys and media packets against the Java they port: JavaCallFixtures.java runs Parley's own
// MlsSFrameKeys, MediaFrame and MediaPacket (from the CLI jar) as another member of the same
// epoch, and each side opens what the other sealed. The exporter secret is fixed here (the
// conversations part supplies real ones); everything after it is the real code of both sides.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHex, randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { CallKeys } from "../../src/core/calls/call-keys";
import { VIDEO_MTU, decodePacket, encodePacket, fragmentFrame, frameMetadata, restoreCallId, stripCallId } from "../../src/core/calls/packet";
import { FrameReassembler } from "../../src/core/calls/reassembler";
import type { CallChannel, EpochSecret } from "../../src/core/contracts";
import { CLI_JAR, REPO } from "../server";

/** A conversation frozen at one epoch, as CallKeys sees it through CallChannel. */
class FixedEpochChannel implements Pick<CallChannel, "epoch" | "exportEpochSecret"> {
  exports: { label: string; length: number }[] = [];
  constructor(public current: EpochSecret) {}
  epoch(): bigint {
    return this.current.epoch;
  }
  async exportEpochSecret(_conversationId: string, label: string, length: number): Promise<EpochSecret> {
    this.exports.push({ label, length });
    return this.current;
  }
}

function keysOver(channel: FixedEpochChannel, clock: { now: number }): CallKeys {
  return new CallKeys(channel as unknown as CallChannel, "conversation", () => clock.now);
}

let java: ChildProcessWithoutNullStreams;
let answers: AsyncIterator<string>;

async function ask(command: string): Promise<string> {
  java.stdin.write(command + "\n");
  const line = await answers.next();
  if (line.done) throw new Error("the Java fixture exited");
  return line.value;
}

beforeAll(() => {
  if (!existsSync(CLI_JAR)) throw new Error(`${CLI_JAR} is missing: run ./mvnw -B -q -pl cli -am package -DskipTests first`);
  java = spawn("java", ["-cp", CLI_JAR, join(REPO, "web/test/calls/JavaCallFixtures.java")]);
  answers = createInterface({ input: java.stdout })[Symbol.asyncIterator]();
});

afterAll(() => {
  java?.kill();
});

describe("CallKeys and media packets against Java", () => {
  const secret21 = randomBytes(16);
  const secret22 = randomBytes(16);
  const callId = randomBytes(16);
  const members = [0, 2, 3];

  it("opens Java's frames and seals frames Java opens, across an epoch change", async () => {
    expect(await ask(`epoch 21 0 ${members.join(",")} ${toHex(secret21)}`)).toBe("ok");
    const channel = new FixedEpochChannel({ epoch: 21n, ownLeaf: 2, memberLeaves: members, secret: secret21 });
    const clock = { now: 0 };
    const keys = keysOver(channel, clock);

    // Java (leaf 0) to TypeScript (leaf 2).
    const fromJava = fromHex(await ask(`seal ${toHex(callId)} 7 3 1700000000000 ${toHex(utf8("opus from java"))}`));
    const packet = decodePacket(fromJava);
    expect(packet).toMatchObject({ flags: 0, participantId: 7, streamId: 0, sequence: 3, timestamp: 1700000000000n });
    expect(toHex(packet.callId)).toBe(toHex(callId));
    expect(new TextDecoder().decode(await keys.open(frameMetadata(packet), packet.payload))).toBe("opus from java");
    expect(channel.exports).toEqual([{ label: "SFrame 1.0 Base Key", length: 16 }]);

    // TypeScript to Java, packet bytes laid out as Java's MediaPacket.
    const fields = { flags: 0, callId, participantId: 9, streamId: 0, sequence: 40, timestamp: 1700000000020n };
    const sealed = await keys.seal(frameMetadata(fields), utf8("opus from the browser"));
    const ours = encodePacket({ ...fields, fragmentIndex: 0, fragmentCount: 1, payload: sealed });
    expect(new TextDecoder().decode(fromHex(await ask(`open ${toHex(ours)}`)))).toBe("opus from the browser");

    // The group moves to epoch 22: sending re-keys at the next epoch check.
    expect(await ask(`epoch 22 0 ${members.join(",")} ${toHex(secret22)}`)).toBe("ok");
    channel.current = { epoch: 22n, ownLeaf: 2, memberLeaves: members, secret: secret22 };
    clock.now += 500;
    const next = await keys.seal(frameMetadata({ ...fields, sequence: 41 }), utf8("epoch 22"));
    const nextPacket = encodePacket({ ...fields, sequence: 41, fragmentIndex: 0, fragmentCount: 1, payload: next });
    expect(new TextDecoder().decode(fromHex(await ask(`open ${toHex(nextPacket)}`)))).toBe("epoch 22");
    expect(channel.exports).toHaveLength(2);
  });

  it("re-keys on a frame of an epoch not keyed yet, and refuses a frame moved to another call", async () => {
    expect(await ask(`epoch 21 0 ${members.join(",")} ${toHex(secret21)}`)).toBe("ok");
    const channel = new FixedEpochChannel({ epoch: 21n, ownLeaf: 3, memberLeaves: members, secret: secret21 });
    const keys = keysOver(channel, { now: 0 });
    await keys.rekeyIfEpochChanged();
    expect(await ask(`epoch 23 0 ${members.join(",")} ${toHex(secret22)}`)).toBe("ok");
    channel.current = { epoch: 23n, ownLeaf: 3, memberLeaves: members, secret: secret22 };
    const packet = decodePacket(fromHex(await ask(`seal ${toHex(callId)} 7 1 1700000000000 ${toHex(utf8("later epoch"))}`)));
    expect(new TextDecoder().decode(await keys.open(frameMetadata(packet), packet.payload))).toBe("later epoch");

    // Through the relay without its call id, then restored as another call's packet: the metadata differs.
    const relayed = stripCallId(encodePacket(packet), callId);
    expect(relayed.length).toBe(encodePacket(packet).length - 16);
    const moved = decodePacket(restoreCallId(relayed, randomBytes(16))!);
    expect(await keys.open(frameMetadata(moved), moved.payload)).toBeUndefined();
    const back = decodePacket(restoreCallId(relayed, callId)!);
    expect(new TextDecoder().decode(await keys.open(frameMetadata(back), back.payload))).toBe("later epoch");
    expect(keys.undecryptable).toBe(1);
  });

  it("counts a frame that Java sealed for another epoch's secret as undecryptable", async () => {
    expect(await ask(`epoch 24 0 ${members.join(",")} ${toHex(randomBytes(16))}`)).toBe("ok");
    const channel = new FixedEpochChannel({ epoch: 24n, ownLeaf: 2, memberLeaves: members, secret: secret21 });
    const keys = keysOver(channel, { now: 0 });
    const packet = decodePacket(fromHex(await ask(`seal ${toHex(callId)} 7 1 1 ${toHex(utf8("x"))}`)));
    expect(await keys.open(frameMetadata(packet), packet.payload)).toBeUndefined();
    expect(keys.undecryptable).toBe(1);
  });
});

describe("video frames against Java: SFrame, fragments and reassembly", () => {
  const secret = randomBytes(16);
  const callId = randomBytes(16);
  const members = [0, 1];
  /** A frame of 10 full packets and a bit (a small key frame), as an encoder's output: random bytes. */
  const frame = randomBytes(10 * (VIDEO_MTU - 41) + 123);

  async function tsMember(leaf: number): Promise<CallKeys> {
    expect(await ask(`epoch 5 ${1 - leaf} ${members.join(",")} ${toHex(secret)}`)).toBe("ok");
    const channel = new FixedEpochChannel({ epoch: 5n, ownLeaf: leaf, memberLeaves: members, memberNames: ["java", "browser"], secret });
    const keys = keysOver(channel, { now: 0 });
    await keys.rekeyIfEpochChanged();
    return keys;
  }

  it("Java reassembles and opens the browser's fragmented key frame, delivered out of order and duplicated", async () => {
    const keys = await tsMember(1);
    const fields = { flags: 3, callId, participantId: 4, streamId: 1, sequence: 17, timestamp: 1700000000123n };
    const packets = fragmentFrame(fields, await keys.seal(frameMetadata(fields), frame));
    expect(packets).toHaveLength(11);
    expect(packets.every((p) => p.length <= VIDEO_MTU)).toBe(true);
    const shuffled = [packets[3], ...packets.slice().reverse(), packets[0]];
    expect(await ask(`openvideo ${shuffled.map(toHex).join(",")}`)).toBe(toHex(frame));
    expect(await ask(`openvideo ${packets.slice(1).map(toHex).join(",")}`)).toBe("incomplete");
  });

  it("fragments exactly as Java does, and reassembles and opens Java's video frame with its sender named", async () => {
    const keys = await tsMember(1);
    const fromJava = (await ask(`sealvideo ${toHex(callId)} 9 300 1700000000456 0 ${toHex(frame)}`)).split(",").map(fromHex);
    expect(fromJava).toHaveLength(11);
    const first = decodePacket(fromJava[0]);
    expect(first).toMatchObject({ flags: 2, participantId: 9, streamId: 1, sequence: 300, timestamp: 1700000000456n, fragmentCount: 11 });
    // The same ciphertext cut by the TypeScript code gives the same bytes, packet for packet.
    const ciphertext = new Uint8Array(fromJava.flatMap((p) => [...decodePacket(p).payload]));
    expect(fragmentFrame(first, ciphertext).map(toHex)).toEqual(fromJava.map(toHex));

    const reassembler = FrameReassembler.forCallVideo();
    const whole = [...fromJava].reverse().map((p) => reassembler.accept(decodePacket(p))).filter((f) => f !== undefined);
    expect(whole).toHaveLength(1);
    expect(toHex((await keys.open(frameMetadata(whole[0]), whole[0].payload))!)).toBe(toHex(frame));
    expect(keys.senderName(whole[0].payload)).toBe("java");

    // One flipped bit in any fragment: the frame still reassembles, and no longer decrypts.
    const altered = fromJava.map((p) => p.slice());
    altered[5][200] ^= 1;
    const broken = FrameReassembler.forCallVideo();
    const again = altered.map((p) => broken.accept(decodePacket(p))).find((f) => f !== undefined)!;
    expect(await keys.open(frameMetadata(again), again.payload)).toBeUndefined();
  });

  it("an empty frame is one empty fragment on both sides", async () => {
    const keys = await tsMember(1);
    const fields = { flags: 2, callId, participantId: 4, streamId: 1, sequence: 1, timestamp: 1n };
    const sealed = await keys.seal(frameMetadata(fields), new Uint8Array(0));
    expect(fragmentFrame(fields, sealed)).toHaveLength(1);
    expect(await ask(`openvideo ${fragmentFrame(fields, sealed).map(toHex).join(",")}`)).toBe("");
    expect(fragmentFrame(fields, new Uint8Array(0))).toHaveLength(1);
  });
});
