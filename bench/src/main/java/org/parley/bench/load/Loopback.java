package org.parley.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The generators only ever load this machine (loopback), never another host. */
public final class Loopback {

    private Loopback() {
    }

    /** @throws IllegalArgumentException when {@code address} is not a loopback address (127.0.0.0/8, ::1) */
    public static void require(InetSocketAddress address) {
        InetAddress resolved = address.getAddress();
        if (resolved == null || !resolved.isLoopbackAddress()) {
            throw new IllegalArgumentException("the load generator only targets loopback addresses (127.0.0.0/8, ::1), not "
                    + address.getHostString());
        }
    }
}
