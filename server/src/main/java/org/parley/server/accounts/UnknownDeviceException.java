package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** An operation named a device that does not exist (or no longer exists). */
public final class UnknownDeviceException extends StoreRejectedException {
    private final DeviceId device;

    public UnknownDeviceException(DeviceId device) {
        super("no device " + device + " on this server");
        this.device = device;
    }

    public DeviceId device() {
        return device;
    }
}
