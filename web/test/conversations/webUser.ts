// A web user for conversation tests: a registered identity in a fresh IndexedDB vault (fake
// IndexedDB in Node), its signed-in WebSocket to a real Parley server, and the conversations
// service on top, with every AppEvent collected.
import type { AppEvent } from "../../src/core/api";
import { register } from "../../src/core/account/accounts";
import { LocalDevice } from "../../src/core/account/identity";
import { randomBytes, toHex } from "../../src/core/bytes";
import type { AttachmentService, CoreContext } from "../../src/core/contracts";
import { Conversations } from "../../src/core/conversations";
import { webSocketUrl } from "../../src/core/net/address";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { LastingLink } from "../../src/core/net/session";
import { IndexedDbVault } from "../../src/core/store/vault";
import { TokenWallet } from "../../src/core/tokens/wallet";
import { QueueCarrier } from "../../src/core/wire/carrier";

export interface WebUser {
  username: string;
  profile: string;
  app: Conversations;
  ctx: CoreContext;
  identity: LocalDevice;
  events: AppEvent[];
  close(): void;
}

const noAttachments: AttachmentService = {
  upload: () => Promise.reject(new Error("attachments are not part of this test")),
  download: () => Promise.reject(new Error("attachments are not part of this test")),
};

export async function webUser(serverUrl: string, username: string): Promise<WebUser> {
  const profile = `test-${username}-${toHex(randomBytes(4))}`;
  const identity = await register(await IndexedDbVault.create(profile), serverUrl, username);
  const user = await signIn(serverUrl, profile, identity);
  await user.app.publishKeyPackages(10);
  return user;
}

/** The device of `profile` as a reload of the page brings it back: the vault opened again, a new connection. */
export async function reopen(serverUrl: string, user: WebUser): Promise<WebUser> {
  user.close();
  const vault = await IndexedDbVault.open(user.profile);
  const identity = await LocalDevice.load(vault);
  if (!identity) throw new Error("the device is gone from its vault");
  return signIn(serverUrl, user.profile, identity, vault);
}

/** Signs in a device already in its vault (registered, or linked by requestLink), as the app does on start. */
export async function signIn(serverUrl: string, profile: string, identity: LocalDevice, opened?: IndexedDbVault): Promise<WebUser> {
  const vault = opened ?? (await IndexedDbVault.open(profile));
  const session = await LastingLink.open(webSocketUrl(serverUrl), identity);
  const anonymous = new AnonymousLink(webSocketUrl(serverUrl));
  const events: AppEvent[] = [];
  const emit = (e: AppEvent) => events.push(e);
  // The app's own carrier (core/wire): sealed with send tokens once access keys are known, else unsealed.
  const wallet = await TokenWallet.open(vault, session, anonymous, (message) => emit({ kind: "notice", code: "TOKENS_DISCARDED", message }));
  const carrier = await QueueCarrier.open(vault, session, anonymous, wallet);
  const ctx: CoreContext = { serverUrl, session, anonymous, vault, identity, events: { emit }, carrier };
  const app = new Conversations(ctx, noAttachments);
  await app.start();
  void carrier.resume();
  // As the app does: tokens are fetched in the background, apart in time from spending them.
  void wallet.topUp().catch(() => undefined);
  const close = () => {
    wallet.close();
    app.close();
    carrier.close();
    session.close();
    anonymous.close();
  };
  return { username: identity.username, profile, app, ctx, identity, events, close };
}

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false, ms = 60_000, what = "the expected state"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
