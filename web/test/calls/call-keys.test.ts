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
import { decodePacket, encodePacket, frameMetadata, restoreCallId, stripCallId } from "../../src/core/calls/packet";
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
