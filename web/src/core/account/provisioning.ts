// Port of account/ProvisioningBox.java: the provisioning message an approving device sends a new
// one through the server, a local.proto Provisioning (account private key, the new device's
// certificate, profile key, account id, pinned server key) sealed with HPKE base mode (RFC 9180 section 6.1, suite
// 0x0020/0x0001/0x0001, info "parley-v1-provisioning", empty aad) to the new device's one-time
// X25519 provisioning key. On the wire: enc (32) || ciphertext, at most 4096 bytes.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ProvisioningSchema, type Provisioning } from "../../gen/parley/local/v1/local_pb";
import { utf8 } from "../bytes";
import { hpkeOpen, hpkeSeal, X25519_KEY_BYTES } from "../wire/hpke";

const INFO = utf8("parley-v1-provisioning");
/** ApproveLink.provisioning's limit on the server. */
export const MAX_PROVISIONING_BYTES = 4096;
const DAMAGED = "the approval that reached this device cannot be opened (damaged or altered on the way); nothing was saved: link again";

/** Seals a provisioning message, with the approving device's pinned server key, so that the new device never trusts on first use. */
export async function sealProvisioning(provisioning: Omit<Provisioning, "$typeName" | "$unknown" | "serverKey"> & { serverKey?: Uint8Array }, provisioningKey: Uint8Array): Promise<Uint8Array> {
  if (provisioningKey.length !== X25519_KEY_BYTES) {
    throw new Error(`the new device's provisioning key has ${provisioningKey.length} bytes instead of ${X25519_KEY_BYTES}`);
  }
  return hpkeSeal(provisioningKey, INFO, toBinary(ProvisioningSchema, create(ProvisioningSchema, provisioning)));
}

/** Opens a provisioning message sealed to this one-time key; throws a clear error when malformed or altered. */
export async function openProvisioning(sealed: Uint8Array, provisioningPrivateKey: Uint8Array): Promise<Provisioning> {
  if (sealed.length <= X25519_KEY_BYTES || sealed.length > MAX_PROVISIONING_BYTES) throw new Error(DAMAGED);
  try {
    return fromBinary(ProvisioningSchema, await hpkeOpen(provisioningPrivateKey, INFO, sealed));
  } catch {
    throw new Error(DAMAGED);
  }
}
