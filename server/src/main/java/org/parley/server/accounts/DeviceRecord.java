package org.parley.server.accounts;

import java.time.LocalDate;

import com.google.protobuf.ByteString;

/** A device of an account: its Ed25519 identity public key and the UTC days it was added and last seen. */
public record DeviceRecord(DeviceId id, AccountId account, ByteString identityPublicKey, LocalDate created, LocalDate lastSeenDay) {
}
