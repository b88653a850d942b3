package org.parley.server.keys;

import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.StoreRejectedException;

/** An upload would leave a device with more than {@link KeyPackageStore#MAX_KEY_PACKAGES_PER_DEVICE} packages. */
public final class KeyPackageLimitException extends StoreRejectedException {
    public KeyPackageLimitException(DeviceId device, int stored, int uploaded) {
        super("device " + device + " has " + stored + " key packages; uploading " + uploaded + " more would exceed "
                + KeyPackageStore.MAX_KEY_PACKAGES_PER_DEVICE + ": upload at most "
                + Math.max(0, KeyPackageStore.MAX_KEY_PACKAGES_PER_DEVICE - stored));
    }
}
