package org.parley.server.admin;

import java.time.LocalDate;
import java.util.List;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.DeviceId;

/**
 * Everything the server holds about one account, as it would answer a lawful request
 * ({@code parley admin disclose}). The threat model keeps this list short; adding a field here
 * means the server started keeping something new about people, which needs a design change.
 *
 * @param keyPackages regular key packages left over all devices (last-resort ones not counted)
 */
public record Disclosure(LocalDate created, LocalDate lastConnectionDay, List<DisclosedDevice> devices,
                         long keyPackages, long pendingMessages, long pendingBytes) {
    public Disclosure {
        devices = List.copyOf(devices);
    }

    /** A device: its id and Ed25519 identity public key. */
    public record DisclosedDevice(DeviceId id, ByteString identityPublicKey) {
    }
}
