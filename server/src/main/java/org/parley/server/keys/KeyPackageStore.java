package org.parley.server.keys;

import java.util.List;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;

/**
 * The KeyPackage directory (RFC 9420 Section 10, RFC 9750 Section 5.2): opaque MLS KeyPackages
 * that devices upload and others claim to add them to groups. The server never parses them.
 *
 * <p>Each device has up to {@link #MAX_KEY_PACKAGES_PER_DEVICE} regular packages, each handed out
 * at most once, and at most one last-resort package, handed out only when no regular package is
 * left and never deleted by a claim. Every method is one transaction. Database failures throw
 * {@link org.parley.server.storage.StoreException}.
 */
public interface KeyPackageStore {

    /** Regular packages kept per device. An upload that would exceed it is rejected, not trimmed. */
    int MAX_KEY_PACKAGES_PER_DEVICE = 100;

    /** Largest accepted package; post-quantum hybrid suites make packages of a few KiB. */
    int MAX_KEY_PACKAGE_BYTES = 64 * 1024;

    /**
     * Adds regular packages for a device, all or none. Rejecting (rather than dropping the
     * oldest) keeps packages a client already counted valid and tells it exactly how many fit.
     *
     * @throws KeyPackageLimitException if the device would hold more than the maximum
     * @throws org.parley.server.accounts.UnknownDeviceException if the device does not exist
     * @throws IllegalArgumentException if a package is empty or larger than {@link #MAX_KEY_PACKAGE_BYTES}
     */
    void upload(DeviceId device, List<byte[]> keyPackages);

    /**
     * Sets (or replaces) the device's last-resort package.
     *
     * @throws org.parley.server.accounts.UnknownDeviceException if the device does not exist
     * @throws IllegalArgumentException if the package is empty or too large
     */
    void setLastResort(DeviceId device, byte[] keyPackage);

    /**
     * Claims one package for every device of {@code account}, atomically: the oldest regular
     * package of each device (removed, so no concurrent or later claim gets it), or the device's
     * last-resort package when it has no regular one left. Devices with neither are absent from
     * the result. Safe under concurrent claims from many threads and, on PostgreSQL, many nodes.
     *
     * @return one entry per device that had a package, in device creation order; empty for an
     *     unknown account
     */
    List<ClaimedKeyPackage> claim(AccountId account);

    /** Regular packages the device has left (the last-resort package is not counted). */
    int count(DeviceId device);

    /**
     * Deletes the key packages, last-resort ones included, of every device last seen before
     * {@code day}, the start of the retention period: nobody should start a conversation with a
     * device that long absent, and a device that comes back uploads new ones. @return how many packages
     */
    int deleteOfDevicesLastSeenBefore(java.time.LocalDate day);
}
