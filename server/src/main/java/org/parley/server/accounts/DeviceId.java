package org.parley.server.accounts;

import org.parley.server.storage.OpaqueId;

/** A device's identifier: 16 random bytes chosen by the server when the device is added. */
public final class DeviceId extends OpaqueId {
    public static final int LENGTH = 16;

    private DeviceId(byte[] bytes) {
        super(bytes, LENGTH, LENGTH);
    }

    public static DeviceId of(byte[] bytes) {
        return new DeviceId(bytes);
    }

    public static DeviceId random() {
        return new DeviceId(randomBytes(LENGTH));
    }
}
