// Account and device flows (port of account/Accounts.java): registering the first device of a new
// account (which creates the account's identity key), linking further devices (the new device
// requests a code that a signed-in device checks and approves, sealing the account key and the new
// device's certificate to it), listing and removing devices, the access key and delivery policy.
// A device is saved in the vault only once the server accepted it and its certificate checks out,
// so a failed attempt leaves the profile as it was.
import { create } from "@bufbuild/protobuf";
import {
  ApproveLinkSchema,
  InspectLinkSchema,
  ListDevicesSchema,
  RegisterSchema,
  RemoveDeviceSchema,
  RequestLinkSchema,
  SetAccessKeySchema,
  SetDeliveryPolicySchema,
  type Authenticated,
} from "../../gen/parley/v1/parley_pb";
import { constantTimeEquals, randomBytes, toHex } from "../bytes";
import { ServerError, type Session, type Vault } from "../contracts";
import { canonicalServerUrl, dialTarget } from "../net/address";
import { Connection, DEFAULT_TIMEOUT_MS, answerOf } from "../net/connection";
import { generateX25519KeyPair } from "../wire/hpke";
import { ACCOUNT_ID_BYTES, DEVICE_ID_BYTES, PUBLIC_KEY_BYTES, certify, newSigningKey, signChallenge } from "./certificates";
import { LocalDevice, PROFILE_KEY_BYTES, accessKeyFromProfileKey } from "./identity";
import { fingerprintMatches, linkFingerprint, shownFingerprint, shownLinkCode, splitLinkCode } from "./linkCode";
import { openProvisioning, sealProvisioning } from "./provisioning";
import { trustAtStart } from "../net/addresses";
import { CoreError } from "../net/errors";

/** How long a new device waits for its approval at most (the server keeps a link code ten minutes). */
export const LINK_WAIT_MS = 10 * 60_000;

async function requireEmpty(vault: Vault): Promise<void> {
  const existing = await LocalDevice.load(vault);
  if (existing) throw new Error(`this profile already holds ${existing.username}'s device; use another profile for another account or device`);
}

/**
 * Creates the account `username` with this profile's first device and the account's identity key,
 * which certifies the device's key; saves the device. Rejects with ServerError when the server
 * refuses (USERNAME_TAKEN, INVITE_REQUIRED, RATE_LIMITED...).
 */
export async function register(
  vault: Vault,
  serverUrl: string,
  username: string,
  inviteCode?: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  via?: string,
): Promise<LocalDevice> {
  await requireEmpty(vault);
  const server = canonicalServerUrl(serverUrl);
  const device = newSigningKey();
  const account = newSigningKey();
  const profileKey = randomBytes(PROFILE_KEY_BYTES);
  const mailbox = generateX25519KeyPair();
  const connection = await Connection.open(dialTarget(via ?? server, new Uint8Array(0)), ignoreEvents, timeoutMs);
  let authenticated: Authenticated;
  try {
    const answer = await connection.request(
      {
        case: "register",
        value: create(RegisterSchema, {
          username,
          identityKey: device.publicKey,
          inviteCode: inviteCode ?? "",
          accessKey: accessKeyFromProfileKey(profileKey),
          mailboxKey: mailbox.publicKey,
          signature: signChallenge(device.privateKey, connection.challenge),
        }),
      },
      timeoutMs,
    );
    authenticated = answerOf(answer, "authenticated");
  } finally {
    connection.close();
  }
  // The key the server showed while registering is the one pinned: every later connection must show it.
  const trust = trustAtStart(connection.claims.serverKey, connection.claims);
  if (trust.refused) console.warn(`ignored the server's announcement of other addresses: ${trust.refused}`);
  if (authenticated.accountId.length !== ACCOUNT_ID_BYTES || authenticated.deviceId.length !== DEVICE_ID_BYTES) {
    throw new ServerError("UNEXPECTED_ANSWER", "the server answered with a malformed account or device id; is it a Parley server?");
  }
  // The account id is the server's to assign, and the certificate covers it: sign once it is known.
  const identity = LocalDevice.create({
    server,
    username: username.toLowerCase(),
    accountId: authenticated.accountId,
    deviceId: authenticated.deviceId,
    signaturePrivateKey: device.privateKey,
    accountPrivateKey: account.privateKey,
    deviceCertificate: certify(account.privateKey, authenticated.accountId, device.publicKey),
    profileKey,
    mailboxPrivateKey: mailbox.privateKey,
    mailboxPublicKey: mailbox.publicKey,
    trust: trust.trust,
    bridge: via,
  });
  await identity.save(vault);
  return identity;
}

/** What a new device shows while it waits, and the approval it waits for. */
export interface PendingNewDevice {
  code: string; // the server's code and this device's fingerprint, in groups of four
  fingerprint: string; // the fingerprint alone, in groups of four
  expiresAt: number;
  /** Resolves with the saved device once approved; rejects when refused, expired or disconnected. */
  approved: Promise<LocalDevice>;
  /** Stops waiting (the approval promise rejects). */
  cancel(): void;
}

/**
 * Asks the server to link this profile as a new device of an account (RequestLink before sign-in),
 * then waits on that connection for the approval: Authenticated pushed with the provisioning,
 * opened with the one-time provisioning key; the device is saved only when the certificate verifies.
 */
export async function requestLink(
  vault: Vault,
  serverUrl: string,
  expectedUsername?: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  waitMs = LINK_WAIT_MS,
  via?: string,
): Promise<PendingNewDevice> {
  await requireEmpty(vault);
  const server = canonicalServerUrl(serverUrl);
  const device = newSigningKey();
  const provisioningKey = generateX25519KeyPair();
  const mailbox = generateX25519KeyPair();
  let approve!: (a: Authenticated) => void;
  let fail!: (e: Error) => void;
  const pushed = new Promise<Authenticated>((resolve, reject) => {
    approve = resolve;
    fail = reject;
  });
  pushed.catch(() => undefined); // observed by `approved` below; never an unhandled rejection here
  const connection = await Connection.open(
    dialTarget(via ?? server, new Uint8Array(0)),
    {
      push: (frame) => {
        if (frame.body.case === "authenticated") approve(frame.body.value);
      },
      closed: () => fail(new ServerError("UNAVAILABLE", "the server closed the connection while this device waited for approval; link again")),
      problem: () => undefined,
    },
    timeoutMs,
  );
  let requested;
  try {
    requested = answerOf(
      await connection.request(
        {
          case: "requestLink",
          value: create(RequestLinkSchema, {
            identityKey: device.publicKey,
            provisioningKey: provisioningKey.publicKey,
            mailboxKey: mailbox.publicKey,
            signature: signChallenge(device.privateKey, connection.challenge),
          }),
        },
        timeoutMs,
      ),
      "linkRequested",
    );
  } catch (e) {
    connection.close();
    throw e;
  }
  const code = shownLinkCode(requested.code, device.publicKey, provisioningKey.publicKey);
  const expiresAt = Number(requested.expiresAt);
  const timer = setTimeout(() => fail(new CoreError("LINK_EXPIRED", "no device approved this link in time; link again")), Math.min(waitMs, Math.max(0, expiresAt - Date.now())));
  const approved = pushed
    .then(async (authenticated) => {
      const provisioning = await openProvisioning(authenticated.provisioning, provisioningKey.privateKey);
      const refused = "the approval that reached this device does not make it a device of that account (it was altered, or came from a device without the account's key); nothing was saved: link again";
      if (
        !constantTimeEquals(provisioning.accountId, authenticated.accountId) ||
        provisioning.accountPrivateKey.length !== 32 ||
        !(provisioning.profileKey.length === 0 || provisioning.profileKey.length === PROFILE_KEY_BYTES)
      ) {
        throw new CoreError("LINK_REFUSED", refused);
      }
      // The approving device's pinned key (or, from one without, the key this connection showed), which this connection must show.
      const trust = trustAtStart(provisioning.serverKey, connection.claims);
      if (trust.refused) console.warn(`ignored the server's announcement of other addresses: ${trust.refused}`);
      let identity: LocalDevice;
      try {
        identity = LocalDevice.create({
          server,
          username: authenticated.username,
          accountId: authenticated.accountId,
          deviceId: authenticated.deviceId,
          signaturePrivateKey: device.privateKey,
          accountPrivateKey: provisioning.accountPrivateKey,
          deviceCertificate: provisioning.deviceCertificate,
          profileKey: provisioning.profileKey,
          mailboxPrivateKey: mailbox.privateKey,
          mailboxPublicKey: mailbox.publicKey,
          trust: trust.trust,
          bridge: via,
        });
      } catch {
        throw new CoreError("LINK_REFUSED", refused);
      }
      if (expectedUsername !== undefined && identity.username !== expectedUsername.toLowerCase()) {
        throw new Error(`a device of ${identity.username}, not of ${expectedUsername}, approved this link; nothing was saved`);
      }
      await requireEmpty(vault);
      await identity.save(vault);
      return identity;
    })
    .finally(() => {
      clearTimeout(timer);
      connection.close();
    });
  approved.catch(() => undefined); // a refusal before anyone awaits it is still reported to whoever does
  return {
    code,
    fingerprint: shownFingerprint(linkFingerprint(device.publicKey, provisioningKey.publicKey)),
    expiresAt,
    approved,
    cancel: () => fail(new Error("linking was cancelled")),
  };
}

/** The waiting device's keys, checked against the fingerprint typed with its code. */
async function inspect(session: Session, typedCode: string): Promise<{ serverCode: string; identityKey: Uint8Array; provisioningKey: Uint8Array; fingerprint: string }> {
  const parts = splitLinkCode(typedCode);
  const pending = answerOf(await session.request({ case: "inspectLink", value: create(InspectLinkSchema, { code: parts.serverCode }) }), "linkPending");
  if (
    pending.identityKey.length !== PUBLIC_KEY_BYTES ||
    pending.provisioningKey.length !== 32 ||
    !fingerprintMatches(parts, pending.identityKey, pending.provisioningKey)
  ) {
    throw new CoreError("LINK_WRONG_DEVICE", "the device waiting with that code is not the one showing it: do not link; someone may be trying to add their own device to your account");
  }
  return {
    serverCode: parts.serverCode,
    identityKey: pending.identityKey,
    provisioningKey: pending.provisioningKey,
    fingerprint: shownFingerprint(parts.fingerprint),
  };
}

/** On a signed-in device: what the waiting device showing `code` is, once its keys match the code's fingerprint. */
export async function inspectLink(session: Session, identity: LocalDevice, code: string): Promise<{ username: string; fingerprint: string }> {
  const waiting = await inspect(session, code);
  return { username: identity.username, fingerprint: waiting.fingerprint };
}

/**
 * Approves the new device showing `code`: checks its keys against the fingerprint (so the server
 * cannot put its own device in its place), certifies its key with the account key, and sends the
 * account key, certificate and profile key sealed to it. Resolves with the new device's id.
 */
export async function approveLink(session: Session, identity: LocalDevice, code: string): Promise<Uint8Array> {
  const waiting = await inspect(session, code);
  const sealed = await sealProvisioning(
    {
      accountPrivateKey: identity.accountPrivateKey,
      deviceCertificate: certify(identity.accountPrivateKey, identity.accountId, waiting.identityKey),
      profileKey: identity.profileKey,
      accountId: identity.accountId,
      serverKey: identity.serverTrust.serverKey,
    },
    waiting.provisioningKey,
  );
  const answer = await session.request({ case: "approveLink", value: create(ApproveLinkSchema, { code: waiting.serverCode, provisioning: sealed }) });
  return answerOf(answer, "linkApproved").deviceId;
}

/** A device of this account as the server lists it: a hint, never proof that the account signed it. */
export interface ListedDevice {
  deviceId: Uint8Array;
  identityKey: Uint8Array;
  createdDay: number;
  current: boolean;
}

export async function listDevices(session: Session, identity: LocalDevice): Promise<ListedDevice[]> {
  const list = answerOf(await session.request({ case: "listDevices", value: create(ListDevicesSchema) }), "deviceList");
  return list.devices.map((d) => ({
    deviceId: d.deviceId,
    identityKey: d.identityKey,
    createdDay: Number(d.createdDay),
    current: constantTimeEquals(d.deviceId, identity.deviceId),
  }));
}

export async function removeDevice(session: Session, deviceId: Uint8Array): Promise<void> {
  if (deviceId.length !== DEVICE_ID_BYTES) throw new Error(`a device id is ${DEVICE_ID_BYTES} bytes (${2 * DEVICE_ID_BYTES} hex digits)`);
  answerOf(await session.request({ case: "removeDevice", value: create(RemoveDeviceSchema, { deviceId }) }), "ok");
}

/** Replaces the account's sealed-sender access key on the server (after a profile key rotation). */
export async function setAccessKey(session: Session, accessKey: Uint8Array): Promise<void> {
  if (accessKey.length < 16 || accessKey.length > 32) throw new Error("an access key is 16 to 32 bytes");
  answerOf(await session.request({ case: "setAccessKey", value: create(SetAccessKeySchema, { accessKey }) }), "ok");
}

/** sealedOnly: unsealed sends to this account are refused, so only holders of its access key reach it. */
export async function setDeliveryPolicy(session: Session, sealedOnly: boolean): Promise<void> {
  answerOf(await session.request({ case: "setDeliveryPolicy", value: create(SetDeliveryPolicySchema, { sealedOnly }) }), "ok");
}

export function deviceIdHex(deviceId: Uint8Array): string {
  return toHex(deviceId);
}

const ignoreEvents = { push: () => undefined, closed: () => undefined, problem: () => undefined };
