package org.parley.server.accounts;

import java.time.LocalDate;

import com.google.protobuf.ByteString;

/**
 * A device of an account: its Ed25519 identity public key, its X25519 mailbox public key (to which
 * every copy stored for it is sealed; null only for a device registered before mailbox keys that has
 * not signed in with one since) and the UTC days it was added and last seen.
 */
public record DeviceRecord(DeviceId id, AccountId account, ByteString identityPublicKey, ByteString mailboxKey,
                           LocalDate created, LocalDate lastSeenDay) {
}
