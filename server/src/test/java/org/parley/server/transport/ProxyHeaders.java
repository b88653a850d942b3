package org.parley.server.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;

/** PROXY protocol v2 headers (haproxy.org proxy-protocol.txt, section 2.2) as a load balancer writes them. */
public final class ProxyHeaders {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeaders() {
    }

    /** A PROXY command over TCP from {@code client}:{@code port} to a documentation address. */
    public static byte[] v2(InetAddress client, int port) {
        boolean ipv4 = client instanceof Inet4Address;
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(SIGNATURE);
            out.writeByte(0x21); // version 2, PROXY
            out.writeByte(ipv4 ? 0x11 : 0x21); // TCP over IPv4 or IPv6
            out.writeShort(ipv4 ? 12 : 36);
            out.write(client.getAddress());
            out.write(InetAddress.getByName(ipv4 ? "192.0.2.1" : "2001:db8::443").getAddress());
            out.writeShort(port);
            out.writeShort(443);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A LOCAL command: the proxy's own connection (a health check), no addresses. */
    public static byte[] v2Local() {
        byte[] header = new byte[16];
        System.arraycopy(SIGNATURE, 0, header, 0, SIGNATURE.length);
        header[12] = 0x20;
        return header;
    }
}
