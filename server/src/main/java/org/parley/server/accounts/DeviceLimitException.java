package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** A device was not added: the account already has the most devices the server allows. */
public final class DeviceLimitException extends StoreRejectedException {
    public DeviceLimitException(int maxDevices) {
        super("the account already has " + maxDevices + " devices");
    }
}
