package org.parley.server.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The network a client address belongs to, as a rate-limit key: an IPv4 address on its own, an
 * IPv6 address by its /64, since one subscriber is usually handed a whole /64 (RFC 6177) and can
 * pick any of its 2^64 addresses. (Java already reads an IPv4-mapped IPv6 address as IPv4.)
 * Kept in memory only, and its {@link #toString()} hides the address.
 */
public record Network(boolean ipv6, long prefix) {

    public static Network of(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return new Network(false, Integer.toUnsignedLong(ByteBuffer.wrap(bytes).getInt()));
        }
        return new Network(true, ByteBuffer.wrap(bytes, 0, 8).getLong());
    }

    /** The network as bytes, for a keyed hash ({@link Limiters#shared}): family, then the address or /64 prefix. */
    public byte[] bytes() {
        return ByteBuffer.allocate(1 + Long.BYTES).put((byte) (ipv6 ? 6 : 4)).putLong(prefix).array();
    }

    @Override
    public String toString() {
        return ipv6 ? "Network[IPv6 /64, hidden]" : "Network[IPv4, hidden]";
    }
}
