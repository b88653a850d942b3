// Downloads from a hostile server (a real HTTP server on loopback that answers what a compromised
// Parley server could): every altered, truncated, oversized, stalled or missing blob is refused
// with a clear AttachmentError, and a message with a bad pointer causes no request at all.
import { create } from "@bufbuild/protobuf";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentSchema, type Attachment } from "../../src/gen/parley/content/v1/content_pb";
import { randomBytes, toHex } from "../../src/core/bytes";
import { sealAttachment, sha256 } from "../../src/core/attachments/cipher";
import { AttachmentError, downloadAttachment } from "../../src/core/attachments";
import { randomContent } from "./random";

type Answer = (response: ServerResponse) => void;
const answers = new Map<string, Answer>();
const requested: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requested.push(request.url ?? "");
    const id = (request.url ?? "").replace("/v1/attachments/", "");
    const answer = answers.get(id);
    if (!answer) {
      response.writeHead(404).end("no such attachment\n");
      return;
    }
    answer(response);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

/** Answers with `body`; `open` leaves the response unfinished (a stall, or more to come). */
function reply(status: number, headers: Record<string, string | number>, body: Uint8Array, open = false): Answer {
  return (response) => {
    response.writeHead(status, headers);
    response.write(body);
    if (!open) response.end();
  };
}

/** An attachment as a sender would describe it, and the blob the server should hold for it. */
async function pointer(length = 20_000): Promise<{ attachment: Attachment; blob: Uint8Array; plain: Uint8Array }> {
  const plain = randomContent(length);
  const sealed = await sealAttachment(plain);
  const attachment = create(AttachmentSchema, {
    key: sealed.key,
    digest: sealed.digest,
    size: BigInt(sealed.size),
    name: "photo.jpg",
    attachmentId: toHex(randomBytes(16)),
  });
  return { attachment, blob: sealed.blob, plain };
}

async function refusal(download: Promise<unknown>): Promise<string> {
  const error = await download.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttachmentError);
  return (error as Error).message;
}

describe("attachment download from a hostile server", () => {
  it("opens the blob the sender described", async () => {
    const { attachment, blob, plain } = await pointer();
    answers.set(attachment.attachmentId, reply(200, { "Content-Length": blob.length }, blob));
    const file = await downloadAttachment(url, attachment);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(plain);
    expect(file.type).toBe("");
  });

  it("refuses a tampered blob", async () => {
    const { attachment, blob } = await pointer();
    const tampered = blob.slice();
    tampered[500] ^= 4;
    answers.set(attachment.attachmentId, reply(200, {}, tampered));
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/does not match its digest/);
  });

  it("refuses another attachment's blob (wrong digest)", async () => {
    const { attachment } = await pointer();
    const other = await pointer();
    answers.set(attachment.attachmentId, reply(200, {}, other.blob));
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/does not match its digest/);
  });

  it("refuses a truncated blob, also when the connection breaks off", async () => {
    const { attachment, blob } = await pointer();
    answers.set(attachment.attachmentId, reply(200, {}, blob.subarray(0, blob.length - 10)));
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/does not match its digest/);
    const broken = await pointer();
    answers.set(broken.attachment.attachmentId, (response) => {
      reply(200, { "Content-Length": broken.blob.length }, broken.blob.subarray(0, 1000), true)(response);
      setTimeout(() => response.destroy(), 50);
    });
    expect(await refusal(downloadAttachment(url, broken.attachment))).toMatch(/broke off|cannot reach/);
  });

  it("refuses more bytes than announced, by header before reading and by count while streaming", async () => {
    const { attachment, blob } = await pointer();
    answers.set(attachment.attachmentId, reply(200, { "Content-Length": 50_000_000 }, blob, true));
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/offers 50000000 bytes for photo\.jpg, more than its sender announced/);
    server.closeAllConnections();
    const flooded = await pointer();
    let flooding = 0;
    answers.set(flooded.attachment.attachmentId, (response) => {
      response.writeHead(200, {}); // chunked, no length: only counting stops it
      const chunk = randomContent(65_536);
      const flood = () => {
        while (!response.destroyed && flooding < 200_000_000 && response.write(chunk)) flooding += chunk.length;
        if (!response.destroyed && flooding < 200_000_000) response.once("drain", flood);
      };
      flood();
    });
    expect(await refusal(downloadAttachment(url, flooded.attachment))).toMatch(/sent more bytes for photo\.jpg than its sender announced/);
    expect(flooding).toBeLessThan(20_000_000); // it stopped reading, and the server's writes stalled
    server.closeAllConnections();
    const overflowing = await pointer(1000);
    answers.set(overflowing.attachment.attachmentId, reply(200, {}, new Uint8Array([...overflowing.blob, ...randomBytes(64)])));
    expect(await refusal(downloadAttachment(url, overflowing.attachment))).toMatch(/sent more bytes for photo\.jpg than its sender announced/);
  });

  it("refuses the right blob under the wrong key", async () => {
    const { attachment, blob } = await pointer();
    answers.set(attachment.attachmentId, reply(200, {}, blob));
    attachment.key = randomBytes(32);
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/does not decrypt with its key/);
  });

  it("says when the blob is gone or the server stalls", async () => {
    const { attachment } = await pointer();
    expect(await refusal(downloadAttachment(url, attachment))).toMatch(/is not on the server \(HTTP 404\); it may have expired/);
    const stalled = await pointer();
    answers.set(stalled.attachment.attachmentId, reply(200, {}, stalled.blob.subarray(0, 100), true));
    expect(await refusal(downloadAttachment(url, stalled.attachment, 500))).toMatch(/broke off|timeout/i);
    server.closeAllConnections();
  });

  it("asks nothing for a message with a bad pointer", async () => {
    const { attachment, blob } = await pointer();
    answers.set(attachment.attachmentId, reply(200, {}, blob));
    const before = requested.length;
    const bad: [Partial<Attachment>, RegExp][] = [
      [{ attachmentId: "../../admin" }, /invalid attachment id/],
      [{ attachmentId: "ABCDEF0123456789" }, /invalid attachment id/],
      [{ attachmentId: "a".repeat(129) }, /invalid attachment id/],
      [{ key: randomBytes(16) }, /damaged attachment key or digest/],
      [{ digest: new Uint8Array() }, /damaged attachment key or digest/],
      [{ size: 2n ** 60n }, /announces 1099511627776 MiB, more than this app can open/],
      [{ size: 2n ** 64n - 1n, name: "\u0000evil\u202ename".repeat(50) }, /more than this app can open/],
    ];
    for (const [change, expected] of bad) {
      const message = await refusal(downloadAttachment(url, { ...attachment, ...change } as Attachment));
      expect(message).toMatch(expected);
      expect(message).not.toMatch(/\p{C}/u);
      expect(message.length).toBeLessThan(300);
    }
    expect(requested.length).toBe(before);
    expect(await sha256(blob)).toEqual(attachment.digest);
  });
});
