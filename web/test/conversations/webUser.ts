// A web user for conversation tests: a registered identity in a fresh IndexedDB vault (fake
// IndexedDB in Node), its signed-in WebSocket to a real Parley server, and the conversations
// service on top, with every AppEvent collected.
import { create } from "@bufbuild/protobuf";
import { SendSchema, SubmitCommitSchema } from "../../src/gen/parley/v1/parley_pb";
import type { AppEvent } from "../../src/core/api";
import { register } from "../../src/core/account/accounts";
import { randomBytes, toHex } from "../../src/core/bytes";
import type { AttachmentService, Carrier, CoreContext, ServerError } from "../../src/core/contracts";
import { Conversations } from "../../src/core/conversations";
import { webSocketUrl } from "../../src/core/net/address";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { LastingLink } from "../../src/core/net/session";
import { IndexedDbVault } from "../../src/core/store/vault";

export interface WebUser {
  username: string;
  app: Conversations;
  events: AppEvent[];
  close(): void;
}

/** Sends unsealed on the signed-in connection (TEMPORARY until web-net's carrier is merged). */
function unsealedCarrier(session: LastingLink): Carrier {
  const sent = new Set<(q: string, id: Uint8Array, unknown: Uint8Array[]) => void>();
  const failed = new Set<(q: string, id: Uint8Array, e: ServerError) => void>();
  return {
    async send(queueKey, messageId, recipients, payload) {
      session.request({ case: "send", value: create(SendSchema, { messageId, recipients: recipients.map((r) => ({ accountId: r.accountId, deviceIds: r.deviceIds })), payload }) })
        .then((answer) => sent.forEach((l) => l(queueKey, messageId, answer.body.case === "sendAccepted" ? answer.body.value.unknownDeviceIds : [])),
          (e: ServerError) => failed.forEach((l) => l(queueKey, messageId, e)));
    },
    onSent: (l) => (sent.add(l), () => sent.delete(l)),
    onFailed: (l) => (failed.add(l), () => failed.delete(l)),
    async submitCommit(routingId, epoch, fanOut, welcome, nextEpochKey, signature) {
      const strip = (r: { accountId: Uint8Array; deviceIds: Uint8Array[] }) => ({ accountId: r.accountId, deviceIds: r.deviceIds });
      const answer = await session.request({
        case: "submitCommit",
        value: create(SubmitCommitSchema, {
          routingId, epoch,
          send: { messageId: fanOut.messageId, recipients: fanOut.recipients.map(strip), payload: fanOut.payload },
          welcome: welcome ? { messageId: welcome.messageId, recipients: welcome.recipients.map(strip), payload: welcome.payload } : undefined,
          nextEpochKey, signature,
        }),
      });
      if (answer.body.case !== "commitResult") throw new Error(`unexpected ${answer.body.case}`);
      const r = answer.body.value;
      return { accepted: r.accepted || toHex(r.winningCommitId) === toHex(fanOut.messageId), currentEpoch: r.currentEpoch, unknownDeviceIds: r.unknownDeviceIds };
    },
  };
}

const noAttachments: AttachmentService = {
  upload: () => Promise.reject(new Error("attachments are not part of this test")),
  download: () => Promise.reject(new Error("attachments are not part of this test")),
};

export async function webUser(serverUrl: string, username: string): Promise<WebUser> {
  const vault = await IndexedDbVault.create(`test-${username}-${toHex(randomBytes(4))}`);
  const identity = await register(vault, serverUrl, username);
  const session = await LastingLink.open(webSocketUrl(serverUrl), identity);
  const anonymous = new AnonymousLink(webSocketUrl(serverUrl));
  const events: AppEvent[] = [];
  const ctx: CoreContext = {
    serverUrl, session, anonymous, vault, identity, events: { emit: (e) => events.push(e) }, carrier: unsealedCarrier(session),
  };
  const app = new Conversations(ctx, noAttachments, () => undefined);
  await app.publishKeyPackages(10);
  await app.start();
  return { username, app, events, close: () => (app.close(), session.close(), anonymous.close()) };
}

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false, ms = 20_000, what = "the expected state"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
