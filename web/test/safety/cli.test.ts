// The web app (createParley: every service composed as in the browser) and a Java CLI user through
// a real Parley server: both compute the same safety number, each verifies the other with the
// number the other shows (a wrong one is refused), and files go both ways through the conversation
// with the attachment pointer in the MLS message.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParleyApp } from "../../src/core/api";
import { randomBytes, toHex } from "../../src/core/bytes";
import { createParley } from "../../src/core/client";
import { cli, cliProfile } from "../account/cli";
import { randomContent } from "../attachments/random";
import { startServer, type TestServer } from "../server";

let server: TestServer;
let web: ParleyApp;
const profile = cliProfile();
const dir = mkdtempSync(join(tmpdir(), "parley-safety-cli-"));

beforeAll(async () => {
  server = await startServer();
  web = await createParley(server.url, undefined, `safety-${toHex(randomBytes(4))}`);
  await web.register("fay_web");
  await cli(profile, ["register", "--server", server.url, "gus_cli"]);
});
afterAll(async () => {
  await web?.close();
  await server?.stop();
  rmSync(profile, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

async function eventually<T>(check: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

describe("safety numbers and files between the web app and the Java CLI", () => {
  let conversation: string;

  it("chat, then both sides show one safety number and verify each other", async () => {
    await cli(profile, ["send", "fay_web", "hello from the cli"]);
    conversation = (await eventually(() => web.conversations().find((c) => c.peer === "gus_cli"), "gus's request")).id;
    await web.accept(conversation);

    const ours = await web.safetyNumber("gus_cli");
    expect(ours.number).toMatch(/^(\d{5} \d{5} \d{5} \d{5}\n){2}\d{5} \d{5} \d{5} \d{5}$/);
    expect(ours.verified).toBe(false);
    expect(ours.changed).toBe(false);
    const shown = await cli(profile, ["safety-number", "fay_web"]);
    // The CLI prints the same digits in the same lines; what the person reads off its screen:
    const theirs = /(?:\d{5}[ \n]){11}\d{5}/.exec(shown)?.[0];
    expect(theirs).toBe(ours.number);

    const misread = theirs!.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    await expect(web.verify("gus_cli", misread)).rejects.toThrow(/numbers differ/);
    expect((await web.safetyNumber("gus_cli")).verified).toBe(false);
    await web.verify("gus_cli", theirs);
    expect((await web.safetyNumber("gus_cli")).verified).toBe(true);
    expect(await cli(profile, ["verify", "fay_web", ours.number])).toContain("fay_web is verified.");
    await expect(web.safetyNumber("nobody_known")).rejects.toThrow(/no account key of nobody_known is known yet/);
    await expect(web.safetyNumber("fay_web")).rejects.toThrow(/between you and someone else/);
  });

  it("sends a file each way", { timeout: 240_000 }, async () => {
    const fromCli = randomContent(200_001);
    const cliFile = join(dir, "from-cli.bin");
    writeFileSync(cliFile, fromCli);
    await cli(profile, ["send-file", "fay_web", cliFile]);
    const received = await eventually(() => web.messages(conversation).find((m) => m.attachment?.name === "from-cli.bin"), "the CLI's file").catch((e) => {
      console.log(JSON.stringify(web.messages(conversation), null, 1));
      throw e;
    });
    expect(received.attachment!.size).toBe(200_001);
    expect(new Uint8Array(await (await web.download(conversation, received.id)).arrayBuffer())).toEqual(fromCli);

    const fromWeb = randomContent(150_003);
    await web.sendFile(conversation, new Blob([fromWeb]), "from-web.bin", "for you");
    let saved: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!saved && Date.now() < deadline) {
      const lines = (await cli(profile, ["receive", "--json", "--wait", "2"])).split("\n").filter((l) => l.startsWith("{"));
      const paths: string[] = lines.flatMap((line) => (JSON.parse(line) as { attachments?: string[] }).attachments ?? []);
      saved = paths.find((path) => path.endsWith("-from-web.bin"));
    }
    expect(saved, "the CLI saved the web's file").toBeDefined();
    expect(new Uint8Array(readFileSync(saved!))).toEqual(fromWeb);
  });
});
