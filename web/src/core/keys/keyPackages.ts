// This device's MLS key packages (RFC 9420 section 10), as the Java client's KeyPackages makes
// them: signed with the device's Ed25519 identity key, carrying a MemberCredential; the private
// halves kept in the Vault by KeyPackageRef (section 5.2) until a Welcome uses them; batches
// published with a last-resort package; others' packages claimed and kept only when their
// account key certifies them.
import { create } from "@bufbuild/protobuf";
import {
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type Lifetime,
  type PrivateKeyPackage,
} from "ts-mls";
import { decodeKeyPackage, encodeKeyPackage, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { ClaimKeyPackagesSchema, CountKeyPackagesSchema, UploadKeyPackagesSchema } from "../../gen/parley/v1/parley_pb";
import { concat, constantTimeEquals, toHex } from "../bytes";
import type { DeviceIdentity, Session, Vault } from "../contracts";
import { certifies, type MemberCredential, memberCredential, toCredential } from "../mls/credential";
import { decodeMessage, keyPackageRef } from "../mls/group";
import { CAPABILITIES, cipherSuite, KEY_PACKAGE_LIFETIME_SECONDS, SUITE_NAME } from "../mls/suite";
import type { Contacts, Observation } from "./contacts";

export const BATCH = 50;
/** Below this many one-time packages on the server, a batch is added. */
export const LOW_WATER = 10;
const DAY_SECONDS = 86_400n;
/** Room for clocks behind this device's: a package is valid from an hour before it was made, or earlier. */
const CLOCK_SKEW_SECONDS = 3_600n;
const SECRETS = "keypackages";
const LAST_RESORT = "keypackages-last-resort";
const PRIVATE_KEY_BYTES = 32;

/**
 * The lifetime (RFC 9420 section 7.2) of a package made at `nowMs`: from the start of the UTC day
 * an hour before, for 90 days; anyone may claim a package, so its times say no more than the day.
 */
export function lifetime(nowMs: number): Lifetime {
  const now = BigInt(Math.floor(nowMs / 1000));
  const shifted = now - CLOCK_SKEW_SECONDS;
  const notBefore = shifted <= 0n ? 0n : (shifted / DAY_SECONDS) * DAY_SECONDS;
  return { notBefore, notAfter: notBefore + KEY_PACKAGE_LIFETIME_SECONDS };
}

export function credentialOf(identity: DeviceIdentity): MemberCredential {
  return {
    username: identity.username,
    accountId: identity.accountId,
    deviceId: identity.deviceId,
    accountKey: identity.accountPublicKey,
    certificate: identity.deviceCertificate,
  };
}

/** A key package of this device with its private keys. */
export interface OwnKeyPackage {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

/** A validated key package of another device, with the MLSMessage to add it with. */
export interface Claimed {
  keyPackage: KeyPackage;
  member: MemberCredential;
  lastResort: boolean;
}

/** The devices that passed every check, those the server listed that did not, and what the account key means here. */
export interface Claim {
  devices: Claimed[];
  refused: Uint8Array[];
  accountId: Uint8Array;
  observation?: Observation;
}

export class KeyPackages {
  constructor(
    private readonly vault: Vault,
    private readonly identity: DeviceIdentity,
    private readonly now: () => number = Date.now,
  ) {}

  /** A signed key package whose private keys are now in the Vault. */
  async create(lastResort: boolean): Promise<OwnKeyPackage> {
    const made = await generateKeyPackageWithKey(toCredential(credentialOf(this.identity)), CAPABILITIES, lifetime(this.now()), [],
      { signKey: this.identity.signaturePrivateKey, publicKey: this.identity.signaturePublicKey }, await cipherSuite());
    const ref = toHex(await keyPackageRef(made.publicPackage));
    const { initPrivateKey, hpkePrivateKey } = made.privatePackage;
    // Stored: the two HPKE private keys, then the package; the signature key is the device's own.
    await this.vault.put(SECRETS, ref, concat(initPrivateKey, hpkePrivateKey, encodeKeyPackage(made.publicPackage)));
    if (lastResort) await this.vault.put(LAST_RESORT, ref, new Uint8Array([1]));
    return made;
  }

  /** The package a Welcome names by KeyPackageRef, or undefined when this device has none. */
  async bundle(ref: Uint8Array): Promise<OwnKeyPackage | undefined> {
    const stored = await this.vault.get(SECRETS, toHex(ref));
    if (!stored) return undefined;
    const decoded = decodeKeyPackage(stored, 2 * PRIVATE_KEY_BYTES);
    if (!decoded) throw new Error("a stored key package does not decode");
    return {
      publicPackage: decoded[0],
      privatePackage: {
        initPrivateKey: stored.slice(0, PRIVATE_KEY_BYTES),
        hpkePrivateKey: stored.slice(PRIVATE_KEY_BYTES, 2 * PRIVATE_KEY_BYTES),
        signaturePrivateKey: this.identity.signaturePrivateKey,
      },
    };
  }

  /** Forgets a used one-time package (its keys must not serve a second Welcome); last-resort ones stay. */
  async consumed(ref: Uint8Array): Promise<void> {
    const hex = toHex(ref);
    if (!(await this.vault.get(LAST_RESORT, hex))) await this.vault.delete(SECRETS, hex);
  }

  /** Uploads `count` fresh one-time packages and, when asked, a new last-resort package. */
  async upload(session: Session, count: number, withLastResort: boolean): Promise<void> {
    const keyPackages: Uint8Array[] = [];
    for (let i = 0; i < count; i++) keyPackages.push(asMessage((await this.create(false)).publicPackage));
    const lastResort = withLastResort ? asMessage((await this.create(true)).publicPackage) : new Uint8Array();
    await session.request({ case: "uploadKeyPackages", value: create(UploadKeyPackagesSchema, { keyPackages, lastResort }) });
  }

  /** How many one-time packages the server still holds for this device. */
  async remaining(session: Session): Promise<number> {
    const answer = await session.request({ case: "countKeyPackages", value: create(CountKeyPackagesSchema) });
    if (answer.body.case !== "keyPackageCount") throw new Error("the server did not answer with a key package count");
    return answer.body.value.count;
  }

  /** Adds a batch when the server's stock is below LOW_WATER; returns how many were uploaded. */
  async topUp(session: Session): Promise<number> {
    const left = await this.remaining(session);
    if (left >= LOW_WATER) return 0;
    await this.upload(session, BATCH - left, false);
    return BATCH - left;
  }
}

function asMessage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage });
}

/**
 * Claims one key package per device of `username` and keeps only the devices whose package passes
 * RFC 9420 section 10.1's checks, names the account and device the server says, and carries a
 * certificate by the account key. The kept devices share one account key: the pinned one when any
 * device has it, otherwise the one they all carry, which is then pinned (confirmed: the server is
 * the one that says which account a username is).
 */
export async function claim(session: Session, username: string, contacts: Contacts): Promise<Claim> {
  const { offered, refused, accountId } = await fetchCertified(session, username);
  const pinned = await contacts.accountKey(username);
  const keys = new Set(offered.map((c) => toHex(c.member.accountKey)));
  const key = pinned && keys.has(toHex(pinned)) ? pinned : keys.size === 1 ? offered[0].member.accountKey : undefined;
  const devices = keepCertifiedBy(key, offered, refused);
  const observation = devices.length > 0 ? await contacts.confirm(username, devices[0].member.accountId, key!) : undefined;
  return { devices, refused, accountId, observation };
}

/** As `claim`, for this account's own devices: only those that this account's key certifies. */
export async function claimOwn(session: Session, identity: DeviceIdentity): Promise<Claim> {
  const { offered, refused, accountId } = await fetchCertified(session, identity.username);
  const ours = offered.filter((c) => {
    const foreign = !constantTimeEquals(c.member.accountId, identity.accountId);
    if (foreign) refused.push(c.member.deviceId);
    return !foreign;
  });
  return { devices: keepCertifiedBy(identity.accountPublicKey, ours, refused), refused, accountId };
}

function keepCertifiedBy(accountKey: Uint8Array | undefined, offered: Claimed[], refused: Uint8Array[]): Claimed[] {
  const kept: Claimed[] = [];
  for (const claimed of offered) {
    if (accountKey && constantTimeEquals(claimed.member.accountKey, accountKey)) kept.push(claimed);
    else refused.push(claimed.member.deviceId);
  }
  return kept;
}

/** Claims and checks every device's package; each one that fails goes to `refused` by its device id. */
async function fetchCertified(session: Session, username: string) {
  const answer = await session.request({
    case: "claimKeyPackages",
    value: create(ClaimKeyPackagesSchema, { account: { case: "username", value: username } }),
  });
  if (answer.body.case !== "claimedKeyPackages") throw new Error("the server did not answer with key packages");
  const { accountId, packages } = answer.body.value;
  const offered: Claimed[] = [];
  const refused: Uint8Array[] = [];
  for (const device of packages) {
    const checked = await checkKeyPackage(device.keyPackage, username, accountId, device.deviceId);
    if (checked) offered.push({ ...checked, lastResort: device.lastResort });
    else refused.push(device.deviceId);
  }
  return { offered, refused, accountId };
}

/**
 * A claimed package (an MLSMessage) that is a valid key package of Parley's suite (section 10.1:
 * version, suite, signature, distinct init and leaf keys), whose credential names the account,
 * device and username the server named and certifies the leaf's signature key; otherwise undefined.
 */
export async function checkKeyPackage(
  message: Uint8Array,
  username: string,
  accountId: Uint8Array,
  deviceId: Uint8Array,
): Promise<{ keyPackage: KeyPackage; member: MemberCredential } | undefined> {
  try {
    const decoded = decodeMessage(message);
    if (decoded.wireformat !== "mls_key_package") return undefined;
    const kp = decoded.keyPackage;
    if (kp.version !== "mls10" || kp.cipherSuite !== SUITE_NAME || kp.leafNode.leafNodeSource !== "key_package") return undefined;
    if (constantTimeEquals(kp.initKey, kp.leafNode.hpkePublicKey)) return undefined;
    if (!(await verifyKeyPackage(kp, (await cipherSuite()).signature))) return undefined;
    const member = memberCredential(kp.leafNode.credential);
    const matches = constantTimeEquals(member.accountId, accountId) && constantTimeEquals(member.deviceId, deviceId)
      && member.username === username && certifies(member, kp.leafNode.signaturePublicKey);
    return matches ? { keyPackage: kp, member } : undefined;
  } catch {
    // A package that does not even parse is refused like one without a valid certificate.
    return undefined;
  }
}
