// The client the UI uses (api.ParleyApp): opens the profile (vault), signs this device in, and
// composes the core's services from their factories over one CoreContext. Account flows (register,
// link, devices) are handled here; everything else is delegated to the services.
import type { AppEvent, DeviceInfo, LinkRequest, ParleyApp, PendingLink, ServersInfo } from "./api";
import { fromHex, toHex, utf8 } from "./bytes";
import type { CallsService, ConversationsService, CoreContext, EventSink, SafetyService } from "./contracts";
import * as accounts from "./account/accounts";
import { LocalDevice } from "./account/identity";
import { createAttachments } from "./attachments";
import { createCalls } from "./calls";
import { createConversations } from "./conversations";
import { createSafety } from "./safety";
import { ProfileAddresses } from "./account/serverAddresses";
import { bridgeLinkText, canonicalServerUrl, endpointOrigin, isBridgeLink, parseBridgeLink } from "./net/address";
import { AnonymousLink } from "./net/anonymous";
import { LastingLink } from "./net/session";
import { DEFAULT_PROFILE } from "./store/profiles";
import { IndexedDbVault } from "./store/vault";
import { TokenWallet } from "./tokens/wallet";
import { QueueCarrier } from "./wire/carrier";

export { DEFAULT_PROFILE, profileStatus } from "./store/profiles";
/** Key packages published after register or link (KeyPackages.BATCH). */
export const KEY_PACKAGE_BATCH = 50;
const SERVER_ENTRY = ["account", "server"] as const;
const DAY_MS = 86_400_000;
/** After approving a link: how long, and how often, to look for the new device's key packages (LinkAcceptCommand). */
const NEW_DEVICE_WAIT_MS = 60_000;
const NEW_DEVICE_POLL_MS = 500;

/** Creates a new profile for `serverUrl` (register or link next). Refuses when the profile exists. */
export async function createParley(serverUrl: string, passphrase?: string, profile = DEFAULT_PROFILE): Promise<ParleyApp> {
  const server = canonicalServerUrl(serverUrl);
  const vault = await IndexedDbVault.create(profile, passphrase);
  await vault.put(...SERVER_ENTRY, utf8(server));
  return new Parley(vault, server);
}

/** Opens an existing profile; a registered device signs in and its services start. */
export async function openParley(passphrase?: string, profile = DEFAULT_PROFILE): Promise<ParleyApp> {
  const vault = await IndexedDbVault.open(profile, passphrase);
  try {
    const stored = await vault.get(...SERVER_ENTRY);
    if (stored === undefined) throw new Error("this profile names no server; delete it and create it again");
    const app = new Parley(vault, new TextDecoder().decode(stored));
    const identity = await LocalDevice.load(vault);
    if (identity) await app.signIn(identity, false);
    return app;
  } catch (e) {
    vault.close();
    throw e;
  }
}

/** Deletes a profile and everything in it. */
export function deleteProfile(profile = DEFAULT_PROFILE): Promise<void> {
  return IndexedDbVault.delete(profile);
}

interface Running {
  identity: LocalDevice;
  addresses: ProfileAddresses;
  session: LastingLink;
  anonymous: AnonymousLink;
  wallet: TokenWallet;
  carrier: QueueCarrier;
  conversations: ConversationsService;
  calls: CallsService;
  safety: SafetyService;
}

class Parley implements ParleyApp {
  private running: Running | undefined;
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private readonly events: EventSink = { emit: (event) => this.emit(event) };

  constructor(
    private readonly vault: IndexedDbVault,
    readonly serverUrl: string,
  ) {}

  get username(): string | undefined {
    return this.running?.identity.username;
  }

  // ---- profile and account

  async register(username: string, inviteCode?: string, via?: string): Promise<void> {
    this.requireNoDevice();
    const identity = await accounts.register(this.vault, this.serverUrl, username, inviteCode, undefined, via);
    await this.signIn(identity, true);
  }

  async requestLink(username: string, via?: string): Promise<LinkRequest> {
    this.requireNoDevice();
    const pending = await accounts.requestLink(this.vault, this.serverUrl, username, undefined, undefined, via);
    const approved = pending.approved.then((identity) => this.signIn(identity, true));
    approved.catch(() => undefined); // the UI awaits it when it shows the code; an early refusal must not go unhandled
    return { code: pending.code, fingerprint: pending.fingerprint, approved };
  }

  async inspectLink(code: string): Promise<PendingLink> {
    const { identity, session } = this.require();
    return accounts.inspectLink(session, identity, code);
  }

  async approveLink(code: string): Promise<void> {
    const { identity, session, conversations } = this.require();
    await accounts.approveLink(session, identity, code);
    // The new device publishes its key packages right after the approval; it joins the conversations then.
    if (conversations.syncOwnDevices) void this.addNewDevice(conversations.syncOwnDevices.bind(conversations));
  }

  private async addNewDevice(sync: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + NEW_DEVICE_WAIT_MS;
    try {
      while (!(await sync())) {
        if (Date.now() > deadline || !this.running) {
          this.emit({ kind: "notice", code: "DEVICE_NOT_READY", message: "the new device has not published its keys yet; it joins your conversations the next time this app starts" });
          return;
        }
        await new Promise((ok) => setTimeout(ok, NEW_DEVICE_POLL_MS));
      }
    } catch (e) {
      this.emit({ kind: "notice", code: "DEVICE_NOT_ADDED", message: `the new device could not be added to your conversations yet: ${(e as Error).message}` });
    }
  }

  servers(): ServersInfo | undefined {
    const running = this.running;
    if (!running) return undefined;
    const key = running.identity.serverTrust.serverKey;
    return { addresses: running.addresses.entries(), serverKey: key.length > 0 ? toHex(key) : undefined };
  }

  async addBridge(link: string): Promise<void> {
    const { addresses, session } = this.require();
    await addresses.add(bridgeLinkText(parseBridgeLink(link)));
    session.retryNow();
  }

  async removeBridge(link: string): Promise<void> {
    await this.require().addresses.remove(link);
  }

  async devices(): Promise<DeviceInfo[]> {
    const { identity, session } = this.require();
    return (await accounts.listDevices(session, identity)).map((d) => ({
      id: toHex(d.deviceId),
      current: d.current,
      createdAt: d.createdDay > 0 ? d.createdDay * DAY_MS : undefined,
    }));
  }

  /**
   * Unlinks a device of this account, then removes it from every conversation it is still in (as
   * the Java client's OwnDevices does at the next command): until then it could read them.
   */
  async removeDevice(id: string): Promise<void> {
    const { session, conversations } = this.require();
    await accounts.removeDevice(session, fromHex(id));
    if (conversations.syncOwnDevices) {
      await conversations.syncOwnDevices().catch((e: Error) =>
        this.emit({ kind: "notice", code: "DEVICE_STILL_IN", message: `the removed device is still in some conversations; it is removed the next time this app starts (${e.message})` }));
    }
  }

  // ---- conversations, messages, safety, calls: the services'

  conversations: ParleyApp["conversations"] = () => (this.running ? this.running.conversations.conversations() : []);
  messages: ParleyApp["messages"] = (id, limit) => (this.running ? this.running.conversations.messages(id, limit) : []);
  hasEarlier: ParleyApp["hasEarlier"] = (id, shown) => (this.running ? this.running.conversations.hasEarlier(id, shown) : false);
  members: ParleyApp["members"] = (id) => (this.running ? this.running.conversations.members(id) : []);
  openDirect: ParleyApp["openDirect"] = async (...a) => this.require().conversations.openDirect(...a);
  createGroup: ParleyApp["createGroup"] = async (...a) => this.require().conversations.createGroup(...a);
  addMember: ParleyApp["addMember"] = async (...a) => this.require().conversations.addMember(...a);
  removeMember: ParleyApp["removeMember"] = async (...a) => this.require().conversations.removeMember(...a);
  setAdmin: ParleyApp["setAdmin"] = async (...a) => this.require().conversations.setAdmin(...a);
  leave: ParleyApp["leave"] = async (...a) => this.require().conversations.leave(...a);
  accept: ParleyApp["accept"] = async (...a) => this.require().conversations.accept(...a);
  deleteRequest: ParleyApp["deleteRequest"] = async (...a) => this.require().conversations.deleteRequest(...a);
  block: ParleyApp["block"] = async (...a) => this.require().conversations.block(...a);
  setTimer: ParleyApp["setTimer"] = async (...a) => this.require().conversations.setTimer(...a);
  send: ParleyApp["send"] = async (...a) => this.require().conversations.send(...a);
  edit: ParleyApp["edit"] = async (...a) => this.require().conversations.edit(...a);
  remove: ParleyApp["remove"] = async (...a) => this.require().conversations.remove(...a);
  react: ParleyApp["react"] = async (...a) => this.require().conversations.react(...a);
  markRead: ParleyApp["markRead"] = async (...a) => this.require().conversations.markRead(...a);
  sendFile: ParleyApp["sendFile"] = async (...a) => this.require().conversations.sendFile(...a);
  download: ParleyApp["download"] = async (...a) => this.require().conversations.download(...a);
  safetyNumber: ParleyApp["safetyNumber"] = async (...a) => this.require().safety.safetyNumber(...a);
  verify: ParleyApp["verify"] = async (...a) => this.require().safety.verify(...a);
  startCall: ParleyApp["startCall"] = async (...a) => this.require().calls.startCall(...a);
  answerCall: ParleyApp["answerCall"] = async (...a) => this.require().calls.answerCall(...a);
  hangUp: ParleyApp["hangUp"] = async (...a) => this.require().calls.hangUp(...a);
  callStream: ParleyApp["callStream"] = (id) => this.running?.calls.callStream(id);
  callVideo: ParleyApp["callVideo"] = (id) => this.running?.calls.callVideo(id);
  setCamera: ParleyApp["setCamera"] = async (...a) => this.require().calls.setCamera(...a);

  // ---- events

  subscribe(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (running) {
      running.calls.close?.();
      running.conversations.close?.();
      running.carrier.close();
      running.wallet.close();
      running.session.close();
      running.anonymous.close();
    }
    this.vault.close();
  }

  /**
   * Signs the device in and starts the services. After register or link (`fresh`), key packages are
   * published first, so that others can add this device at once.
   */
  async signIn(identity: LocalDevice, fresh: boolean): Promise<void> {
    const addresses = new ProfileAddresses(identity, this.vault, (code, message) => this.emit({ kind: "notice", code, message }));
    // A profile's own server was right once: a fresh device must reach it, a known one may start offline.
    const session = await LastingLink.open(addresses, identity, { waitForServer: !fresh });
    const anonymous = new AnonymousLink(addresses);
    let wallet: TokenWallet | undefined;
    let carrier: QueueCarrier | undefined;
    try {
      session.onState((state, error) => this.emit({ kind: "connection", state, error }));
      session.onProblem((message) => this.emit({ kind: "notice", code: "SERVER_PROBLEM", message, params: { detail: message } }));
      wallet = await TokenWallet.open(this.vault, session, anonymous, (message) => this.emit({ kind: "notice", code: "TOKENS_DISCARDED", message }));
      carrier = await QueueCarrier.open(this.vault, session, anonymous, wallet);
      const ctx: CoreContext = {
        // The origin of the address signed in to now, or the bridge link it goes through: attachments
        // follow the session when it moves to another.
        get serverUrl() {
          return isBridgeLink(session.endpoint) ? session.endpoint : endpointOrigin(session.endpoint);
        },
        session,
        anonymous,
        vault: this.vault,
        identity,
        events: this.events,
        carrier,
      };
      const attachments = createAttachments(ctx);
      const conversations = createConversations(ctx, attachments);
      const calls = createCalls(ctx, conversations);
      const safety = createSafety(ctx, conversations);
      this.running = { identity, addresses, session, anonymous, wallet, carrier, conversations, calls, safety };
      this.emit({ kind: "connection", state: session.state });
      if (fresh) await conversations.publishKeyPackages(KEY_PACKAGE_BATCH);
      await conversations.start();
      if (conversations.syncOwnDevices) void conversations.syncOwnDevices().catch(() => false); // devices linked while this one was away
      void carrier.resume();
      // Tokens are fetched ahead of need, apart in time from spending them.
      wallet.topUp().catch((e: Error) => this.emit({ kind: "notice", code: "NO_TOKENS", message: `no send tokens now: ${e.message}` }));
    } catch (e) {
      this.running?.calls.close?.();
      this.running?.conversations.close?.();
      this.running = undefined;
      carrier?.close();
      wallet?.close();
      session.close();
      anonymous.close();
      throw e;
    }
  }

  private emit(event: AppEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (e) {
        console.warn("an app event listener failed:", (e as Error).message);
      }
    }
  }

  private require(): Running {
    if (!this.running) throw new Error("this profile has no device yet: register or link first");
    return this.running;
  }

  private requireNoDevice(): void {
    if (this.running) throw new Error(`this profile already holds ${this.running.identity.username}'s device`);
  }
}
