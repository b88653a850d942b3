package org.parley.server.transport;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxies ({@code --trusted-proxy CIDR[,CIDR]}) whose X-Forwarded-For header names
 * the client. The header is read only on a connection from one of them: from anyone else it is
 * whatever the client chose to write, and is ignored.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

    private final List<Cidr> networks;
    private final String text;

    private TrustedProxies(List<Cidr> networks, String text) {
        this.networks = networks;
        this.text = text;
    }

    /**
     * Parses {@code 10.0.0.0/8,2001:db8::/32,192.0.2.7} (a bare address is a single host).
     *
     * @throws IllegalArgumentException naming the part that is not an IP address with an optional prefix length
     */
    public static TrustedProxies parse(String commaSeparated) {
        List<Cidr> networks = new ArrayList<>();
        for (String part : commaSeparated.split(",")) {
            if (!part.isBlank()) {
                networks.add(Cidr.parse(part.strip()));
            }
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("--trusted-proxy needs at least one CIDR, as in 10.0.0.0/8 or 2001:db8::/32");
        }
        return new TrustedProxies(List.copyOf(networks), commaSeparated.strip());
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    public boolean contains(InetAddress address) {
        for (Cidr network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client behind {@code peer}: the right-most X-Forwarded-For entry that is not itself a
     * trusted proxy, reading only entries that a trusted proxy appended (the ones left of an
     * untrusted hop are the client's own words). {@code peer} itself when it is not trusted, and
     * the last trusted hop when the header is missing or an entry is not an IP address.
     *
     * @param forwardedFor every X-Forwarded-For header of the request, in order
     */
    public InetAddress clientBehind(InetAddress peer, List<String> forwardedFor) {
        InetAddress hop = peer;
        List<String> entries = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String entry : header.split(",")) {
                entries.add(entry.strip());
            }
        }
        for (int i = entries.size() - 1; i >= 0 && contains(hop); i--) {
            InetAddress next = ipLiteral(entries.get(i));
            if (next == null) {
                return hop;
            }
            hop = next;
        }
        return hop;
    }

    /** An IP address, with an optional port ({@code 192.0.2.1:443}, {@code [2001:db8::1]:443}); null otherwise. Never a DNS lookup. */
    static InetAddress ipLiteral(String entry) {
        String address = entry;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            address = close < 0 ? "" : address.substring(1, close);
        } else if (address.indexOf(':') >= 0 && address.indexOf(':') == address.lastIndexOf(':')) {
            address = address.substring(0, address.indexOf(':'));
        }
        return address.isEmpty() ? null : NetUtil.createInetAddressFromIpAddressString(address);
    }

    @Override
    public String toString() {
        return text.isEmpty() ? "none" : text;
    }

    /** One network: an address and how many of its leading bits must match. */
    private record Cidr(byte[] network, int prefixBits) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("not an IP network: '" + text + "'; write it as 10.0.0.0/8 or 2001:db8::/32");
            }
            int maxBits = address.getAddress().length * 8;
            int bits;
            try {
                bits = slash < 0 ? maxBits : Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > maxBits) {
                throw new IllegalArgumentException("the prefix length of '" + text + "' must be from 0 to " + maxBits);
            }
            return new Cidr(address.getAddress(), bits);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (candidate[full] & mask) == (network[full] & mask);
        }
    }
}
