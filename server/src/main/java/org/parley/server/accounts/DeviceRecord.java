package org.parley.server.accounts;

import java.time.LocalDate;

/** A device of an account: its Ed25519 identity public key and the UTC days it was added and last seen. */
public record DeviceRecord(DeviceId id, AccountId account, byte[] identityPublicKey, LocalDate created, LocalDate lastSeenDay) {
    public DeviceRecord {
        identityPublicKey = identityPublicKey.clone();
    }

    @Override
    public byte[] identityPublicKey() {
        return identityPublicKey.clone();
    }
}
