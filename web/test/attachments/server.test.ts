// Attachments through a real Parley server: upload with a ticket from the signed-in WebSocket,
// download by id, both ways with the Java client's cipher (JavaAttachmentCipher.java over HTTP),
// an oversized file refused before upload, and upload answers of a hostile HTTP server.
import { create } from "@bufbuild/protobuf";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentSchema } from "../../src/gen/parley/content/v1/content_pb";
import { RequestAttachmentUploadSchema } from "../../src/gen/parley/v1/parley_pb";
import { register } from "../../src/core/account/accounts";
import { AttachmentError, Attachments } from "../../src/core/attachments";
import { fromHex, toHex } from "../../src/core/bytes";
import type { Session } from "../../src/core/contracts";
import { LastingLink } from "../../src/core/net/session";
import { IndexedDbVault } from "../../src/core/store/vault";
import { startServer, type TestServer } from "../server";
import { runJava } from "./java";
import { randomContent } from "./random";

const JAVA = join(__dirname, "JavaAttachmentCipher.java");
const MIB = 1024 * 1024;

let server: TestServer;
let session: LastingLink;
let attachments: Attachments;
const dir = mkdtempSync(join(tmpdir(), "parley-attachments-"));

beforeAll(async () => {
  server = await startServer(["--max-attachment-mb", "1"]);
  const device = await register(await IndexedDbVault.create("attachments-server"), server.url, "dora_web");
  session = await LastingLink.open(server.wsUrl, device);
  attachments = new Attachments(session, () => server.url);
});
afterAll(async () => {
  session?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function storedBlobs(): number {
  const where = join(server.dataDir, "attachments");
  const count = (path: string): number =>
    readdirSync(path, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(path, e.name)) : 1), 0);
  return existsSync(where) ? count(where) : 0;
}

async function ticket(from: Session): Promise<string> {
  const answer = await from.request({ case: "requestAttachmentUpload", value: create(RequestAttachmentUploadSchema) });
  if (answer.body.case !== "attachmentTicket") throw new Error(`no ticket: ${answer.body.case}`);
  return answer.body.value.ticket;
}

describe("attachments through the Parley server", () => {
  it("uploads a file that TypeScript and the Java cipher both download and open", async () => {
    const plain = randomContent(300_000);
    const attachment = await attachments.upload(new Blob([plain]), "holiday/photos\\beach.jpg", "the beach");
    expect(attachment.name).toBe("beach.jpg");
    expect(attachment.caption).toBe("the beach");
    expect(attachment.size).toBe(300_000n);
    expect(attachment.attachmentId).toMatch(/^[0-9a-f]{16,128}$/);
    expect(new Uint8Array(await (await attachments.download(attachment)).arrayBuffer())).toEqual(plain);

    const out = join(dir, "java-download");
    const java = await runJava(JAVA, ["download", server.url, attachment.attachmentId, toHex(attachment.key), toHex(attachment.digest), "300000", out]);
    expect(java.code, java.stdout + java.stderr).toBe(0);
    expect(new Uint8Array(readFileSync(out))).toEqual(plain);
  });

  it("round-trips an empty file, named from a path that ends in a folder", async () => {
    const attachment = await attachments.upload(new Blob([]), "folder/");
    expect(attachment).toMatchObject({ name: "file", size: 0n, caption: "" });
    expect((await attachments.download(attachment)).size).toBe(0);
  });

  it("downloads and opens what the Java cipher sealed and uploaded", async () => {
    const plain = randomContent(123_457);
    const path = join(dir, "java-upload");
    writeFileSync(path, plain);
    const java = await runJava(JAVA, ["upload", server.url, await ticket(session), path]);
    expect(java.code, java.stderr).toBe(0);
    const [attachmentId, key, digest, size] = java.stdout.trim().split(" ");
    const attachment = create(AttachmentSchema, { attachmentId, key: fromHex(key), digest: fromHex(digest), size: BigInt(size), name: "from-java.bin" });
    expect(new Uint8Array(await (await attachments.download(attachment)).arrayBuffer())).toEqual(plain);
  });

  it("refuses a file over the server's limit before uploading anything", async () => {
    const before = storedBlobs();
    const error = await attachments.upload(new Blob([randomContent(MIB - 27)]), "big.iso").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttachmentError);
    expect((error as Error).message).toBe("big.iso is too large: the server takes at most 1 MiB per attachment");
    expect(storedBlobs()).toBe(before);
    // One byte less fits exactly: the limit is the blob's, nonce and tag included.
    const fits = await attachments.upload(new Blob([randomContent(MIB - 28)]), "fits.iso");
    expect(fits.size).toBe(BigInt(MIB - 28));
    expect(storedBlobs()).toBe(before + 1);
  });

  it("refuses what a hostile server answers to an upload", async () => {
    const answers: [number, string | Uint8Array, RegExp][] = [
      [201, "not-an-id", /invalid attachment id/],
      [201, "ab".repeat(100), /invalid attachment id/],
      [201, randomContent(5 * MIB), /invalid attachment id/],
      [201, "", /invalid attachment id/],
      [500, "disk full\u0000\u001b[31m" + "x".repeat(10_000), /refused the attachment upload \(HTTP 500: disk full/],
      [413, "the attachment is larger than this server's limit", /HTTP 413: the attachment is larger/],
    ];
    let next = 0;
    const hostile: Server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const [status, body] = answers[next++];
        response.writeHead(status).end(body);
      });
    });
    await new Promise<void>((ok) => hostile.listen(0, "127.0.0.1", ok));
    try {
      const towardsHostile = new Attachments(session, () => `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`);
      for (const [, , expected] of answers) {
        const error = await towardsHostile.upload(new Blob([randomContent(100)]), "note.txt").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AttachmentError);
        const message = (error as Error).message;
        expect(message).toMatch(expected);
        expect(message).not.toMatch(/\p{C}/u);
        expect(message.length).toBeLessThan(700);
      }
    } finally {
      hostile.closeAllConnections();
      await new Promise((ok) => hostile.close(ok));
    }
  });
});
