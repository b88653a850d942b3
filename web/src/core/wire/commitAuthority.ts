// Port of protocol CommitAuthority.java: what proves to the server that a commit comes from a
// member of the epoch it ends (parley.proto SubmitCommit). Each epoch's commit key is an Ed25519
// key pair whose 32-byte seed is MLS-Exporter("parley commit authority v1", "", 32) (RFC 9420
// section 8.5), an exporter secret the caller gives; a commit registers the next epoch's public key
// and is signed with the ending epoch's key over signedContent.
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, utf8 } from "../bytes";

export const COMMIT_KEY_LABEL = "parley commit authority v1";
export const COMMIT_KEY_BYTES = 32;
export const COMMIT_SIGNATURE_BYTES = 64;
export const MIN_ROUTING_ID_BYTES = 16;
export const MAX_ROUTING_ID_BYTES = 64;
const CONTEXT = utf8("parley-v1-commit");
const ROUTING_SALT = utf8("parley-v1-routing-id");
const MAX_UINT63 = (1n << 63n) - 1n;

/** HKDF-SHA256(salt "parley-v1-routing-id", IKM group_id, info "", 32): the id the server orders a group's commits by. */
export function routingId(mlsGroupId: Uint8Array): Uint8Array {
  return hkdf(sha256, mlsGroupId, ROUTING_SALT, new Uint8Array(0), 32);
}

/** An epoch's commit key from its exported seed (EpochCommitKey.fromSeed); the seed is wiped. */
export function commitKeyFromSeed(seed: Uint8Array): { publicKey: Uint8Array; sign(content: Uint8Array): Uint8Array } {
  if (seed.length !== COMMIT_KEY_BYTES) throw new Error(`a commit key seed is ${COMMIT_KEY_BYTES} bytes, got ${seed.length}`);
  const secret = seed.slice();
  seed.fill(0);
  return {
    publicKey: ed25519.getPublicKey(secret),
    sign: (content) => ed25519.sign(content, secret),
  };
}

/**
 * "parley-v1-commit" || uint8 len(routingId) || routingId || uint64 epoch (big-endian) ||
 * SHA-256(commitPayload) || SHA-256(welcomePayload, empty without a Welcome) || nextEpochKey.
 */
export function commitSignedContent(
  routing: Uint8Array,
  epoch: bigint,
  commitPayload: Uint8Array,
  welcomePayload: Uint8Array,
  nextEpochKey: Uint8Array,
): Uint8Array {
  if (routing.length < MIN_ROUTING_ID_BYTES || routing.length > MAX_ROUTING_ID_BYTES) {
    throw new Error(`a routing id is ${MIN_ROUTING_ID_BYTES} to ${MAX_ROUTING_ID_BYTES} bytes, got ${routing.length}`);
  }
  if (epoch < 0n || epoch > MAX_UINT63) throw new Error("an epoch outside 0 to 2^63 - 1 cannot be committed to");
  if (nextEpochKey.length !== COMMIT_KEY_BYTES) throw new Error(`a commit key is ${COMMIT_KEY_BYTES} bytes, got ${nextEpochKey.length}`);
  const epochBytes = new Uint8Array(8);
  new DataView(epochBytes.buffer).setBigUint64(0, epoch);
  return concat(CONTEXT, new Uint8Array([routing.length]), routing, epochBytes, sha256(commitPayload), sha256(welcomePayload), nextEpochKey);
}
