// Upload and download of encrypted attachments, as the Java client's Attachments does it: a
// single-use ticket from RequestAttachmentUpload over the signed-in WebSocket, the blob POSTed to
// /v1/attachments with "Authorization: Ticket <ticket>" (answer 201: the new id as text), and
// fetched back by GET /v1/attachments/{id}; through a bridge, the same exchange goes through a
// tunnel (net/tunnel.ts). The server only ever sees ciphertext (cipher.ts); a
// download is checked (size while it streams in, then digest, size and tag) before anyone sees it.
import { create } from "@bufbuild/protobuf";
import { AttachmentSchema, type Attachment } from "../../gen/parley/content/v1/content_pb";
import { RequestAttachmentUploadSchema } from "../../gen/parley/v1/parley_pb";
import { concat } from "../bytes";
import type { AttachmentService, AttachmentsFactory, Session } from "../contracts";
import { isBridgeLink, parseBridgeLink, bridgeTunnelUrl, tunnelServerKey } from "../net/address";
import { tunnelFetch, type TunnelRoute } from "../net/tunnel";
import { AttachmentError, BLOB_OVERHEAD, KEY_BYTES, openAttachment, sealAttachment } from "./cipher";

export { AttachmentError } from "./cipher";

const ATTACHMENTS_PATH = "/v1/attachments";
/** The server's ids are lower-case hex (Java: Attachments.upload and download check the same). */
const ATTACHMENT_ID = /^[0-9a-f]{16,128}$/;
/** A ticket goes into a header: printable ASCII without spaces, and short. */
const TICKET = /^[\x21-\x7e]{1,512}$/;
const DIGEST_BYTES = 32;
/** The largest plaintext this app holds in memory; an announced size above it is refused unread. */
const MAX_ATTACHMENT_BYTES = 2 ** 31 - BLOB_OVERHEAD;
/** How much of an error answer's text is read and shown. */
const ERROR_TEXT_BYTES = 512;
const MIB = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 300_000;

export interface AttachmentOptions {
  /** The longest one upload or download (answer and body) may take. */
  transferTimeoutMs?: number;
}

export class Attachments implements AttachmentService {
  private readonly transferTimeoutMs: number;

  constructor(
    private readonly session: Session,
    /**
     * Where transfers go: the server URL the session signs in to now (it moves to another address
     * when one fails), or the tunnel through the bridge it signs in through.
     */
    private readonly serverUrl: () => string | TunnelRoute,
    options: AttachmentOptions = {},
  ) {
    this.transferTimeoutMs = options.transferTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Encrypts and uploads a file; resolves with what the message carries. */
  async upload(file: Blob, name: string, caption?: string): Promise<Attachment> {
    const ticket = await this.requestTicket();
    const shownName = baseName(name);
    // Refused before a byte is read or sent: the blob is the file plus the nonce and tag.
    if (BigInt(file.size + BLOB_OVERHEAD) > ticket.maxBytes) {
      throw new AttachmentError(`${shownName} is too large: the server takes at most ${describeBytes(ticket.maxBytes)} per attachment`);
    }
    const sealed = await sealAttachment(new Uint8Array(await file.arrayBuffer()));
    const response = await transfer(this.serverUrl(), ATTACHMENTS_PATH, this.transferTimeoutMs, {
      method: "POST",
      headers: { Authorization: `Ticket ${ticket.ticket}`, "Content-Type": "application/octet-stream" },
      body: sealed.blob,
    });
    if (response.status !== 201) {
      throw new AttachmentError(`the server refused the attachment upload (HTTP ${response.status}${await reason(response)})`);
    }
    const answer = await readAtMost(response, 128);
    const id = new TextDecoder().decode(answer.bytes).trim();
    if (!answer.complete || !ATTACHMENT_ID.test(id)) {
      throw new AttachmentError("the server answered the upload with an invalid attachment id");
    }
    return create(AttachmentSchema, {
      key: sealed.key,
      digest: sealed.digest,
      size: BigInt(sealed.size),
      name: shownName,
      attachmentId: id,
      caption: caption ?? "",
    });
  }

  download(attachment: Attachment): Promise<Blob> {
    return downloadAttachment(this.serverUrl(), attachment, this.transferTimeoutMs);
  }

  private async requestTicket(): Promise<{ ticket: string; maxBytes: bigint }> {
    const answer = await this.session.request({ case: "requestAttachmentUpload", value: create(RequestAttachmentUploadSchema) });
    if (answer.body.case !== "attachmentTicket") {
      throw new AttachmentError(`the server answered an upload request with ${answer.body.case ?? "nothing"} instead of a ticket`);
    }
    const { ticket, maxBytes } = answer.body.value;
    if (!TICKET.test(ticket)) {
      throw new AttachmentError("the server gave an invalid upload ticket");
    }
    return { ticket, maxBytes };
  }
}

/**
 * Downloads an attachment and returns its plaintext once digest, size and tag all match: the
 * message's fields are checked before any request, the body's length while it streams in.
 */
export async function downloadAttachment(serverUrl: string | TunnelRoute, attachment: Attachment, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Blob> {
  if (!ATTACHMENT_ID.test(attachment.attachmentId)) {
    throw new AttachmentError("the message names an invalid attachment id");
  }
  if (attachment.key.length !== KEY_BYTES || attachment.digest.length !== DIGEST_BYTES) {
    throw new AttachmentError("the message carries a damaged attachment key or digest");
  }
  if (attachment.size > BigInt(MAX_ATTACHMENT_BYTES)) {
    throw new AttachmentError(`${shown(attachment.name)} announces ${describeBytes(attachment.size)}, more than this app can open`);
  }
  const size = Number(attachment.size);
  const blobLength = size + BLOB_OVERHEAD;
  const response = await transfer(serverUrl, `${ATTACHMENTS_PATH}/${attachment.attachmentId}`, timeoutMs, { method: "GET" });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new AttachmentError(
      `attachment ${shown(attachment.name)} is not on the server (HTTP ${response.status}); it may have expired after 30 days`,
    );
  }
  const declared = response.headers.get("Content-Length");
  if (declared !== null && Number(declared) > blobLength) {
    await response.body?.cancel();
    throw new AttachmentError(`the server offers ${Number(declared)} bytes for ${shown(attachment.name)}, more than its sender announced`);
  }
  const blob = await readAtMost(response, blobLength);
  if (!blob.complete) {
    throw new AttachmentError(`the server sent more bytes for ${shown(attachment.name)} than its sender announced`);
  }
  // No content type: what the sender says a file is does not make it one (an SVG opened from a
  // blob: URL would run its script in this origin); the UI sniffs images it shows inline.
  return new Blob([await openAttachment(blob.bytes, attachment.key, attachment.digest, size)]);
}

interface Exchange {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/** One HTTP exchange with the server, directly or through a bridge's tunnel, cut off after the transfer timeout (body included). */
async function transfer(serverUrl: string | TunnelRoute, path: string, timeoutMs: number, exchange: Exchange): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (typeof serverUrl === "string") {
      return await fetch(new URL(path, serverUrl), { ...exchange, body: exchange.body as BufferSource | undefined, signal });
    }
    const body = exchange.body;
    const headers = body ? { ...exchange.headers, "Content-Length": String(body.length) } : (exchange.headers ?? {});
    return await tunnelFetch(serverUrl, { method: exchange.method, path, headers, body }, timeoutMs, signal);
  } catch (e) {
    throw new AttachmentError(`cannot reach the server for the attachment: ${(e as Error).message}`);
  }
}

/** The server URL for transfers, or for a bridge link the tunnel through it, checked against the pinned server key. */
export function transferRoute(endpoint: string, pinnedKey: Uint8Array): string | TunnelRoute {
  if (!isBridgeLink(endpoint)) return endpoint;
  return { url: bridgeTunnelUrl(parseBridgeLink(endpoint)), serverKey: tunnelServerKey(pinnedKey) };
}

export const createAttachments: AttachmentsFactory = (ctx) =>
  new Attachments(ctx.session, () => transferRoute(ctx.serverUrl, ctx.identity.serverKey ?? new Uint8Array(0)));

/** A name from a message as an error message shows it: printable, and not longer than a line. */
function shown(name: string): string {
  const printable = name.replace(/\p{C}+/gu, " ");
  return printable.length > 80 ? `${printable.slice(0, 79)}…` : printable;
}

/** The file name without directories, as content.proto's Attachment.name wants it. */
function baseName(name: string): string {
  return name.split(/[/\\]/).pop() || "file";
}

function describeBytes(bytes: bigint): string {
  return bytes >= BigInt(MIB) ? `${bytes / BigInt(MIB)} MiB` : `${bytes} bytes`;
}

/** Reads the first `limit` bytes of a body; `complete` is false (and the rest dropped) when there was more. */
async function readAtMost(response: Response, limit: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const reader = response.body?.getReader();
  // Grown as bytes arrive, never sized from what the other side claims.
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > limit) {
        await reader.cancel();
        return { bytes: concat(...chunks, value.subarray(0, limit - length)), complete: false };
      }
      chunks.push(value);
      length += value.length;
    }
  } catch (e) {
    throw new AttachmentError(`the attachment transfer broke off: ${(e as Error).message}`);
  }
  return { bytes: concat(...chunks), complete: true };
}

/** The start of the server's explanation, printable characters only, for an error message. */
async function reason(response: Response): Promise<string> {
  try {
    const text = new TextDecoder().decode((await readAtMost(response, ERROR_TEXT_BYTES)).bytes);
    const printable = text.replace(/\p{C}+/gu, " ").trim();
    return printable ? `: ${printable}` : "";
  } catch {
    return ""; // the status alone still says what happened
  }
}
