package org.parley.bench.relay;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The few STUN (RFC 8489) messages and TURN (RFC 8656) methods a TURN client needs to relay
 * UDP through coturn: Allocate, ChannelBind and Refresh, with long-term credentials
 * (MESSAGE-INTEGRITY, HMAC-SHA1 keyed by MD5(username:realm:password), RFC 8489 Section 9.2).
 * Only IPv4 addresses; benchmark use, not a general STUN stack.
 */
record StunMessage(int type, byte[] transactionId, Map<Integer, byte[]> attributes) {
    static final int MAGIC_COOKIE = 0x2112A442;
    static final int HEADER_BYTES = 20;

    // Methods (RFC 8656 Section 17) and classes (RFC 8489 Section 5).
    static final int ALLOCATE = 0x003;
    static final int REFRESH = 0x004;
    static final int CHANNEL_BIND = 0x009;
    static final int SUCCESS = 0x100;
    static final int ERROR = 0x110;

    // Attributes (RFC 8489 Section 18.2, RFC 8656 Section 18).
    static final int USERNAME = 0x0006;
    static final int MESSAGE_INTEGRITY = 0x0008;
    static final int ERROR_CODE = 0x0009;
    static final int CHANNEL_NUMBER = 0x000C;
    static final int LIFETIME = 0x000D;
    static final int XOR_PEER_ADDRESS = 0x0012;
    static final int REALM = 0x0014;
    static final int NONCE = 0x0015;
    static final int XOR_RELAYED_ADDRESS = 0x0016;
    static final int REQUESTED_TRANSPORT = 0x0019;

    static StunMessage request(int method) {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        return new StunMessage(method, id, new LinkedHashMap<>());
    }

    boolean isSuccess() {
        return (type & 0x110) == SUCCESS;
    }

    StunMessage with(int attribute, byte[] value) {
        attributes.put(attribute, value);
        return this;
    }

    StunMessage withInt(int attribute, int value) {
        return with(attribute, ByteBuffer.allocate(4).putInt(value).array());
    }

    StunMessage withString(int attribute, String value) {
        return with(attribute, value.getBytes(StandardCharsets.UTF_8));
    }

    StunMessage withXorAddress(int attribute, InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        ByteBuffer value = ByteBuffer.allocate(8).put((byte) 0).put((byte) 1)
                .putShort((short) (address.getPort() ^ (MAGIC_COOKIE >>> 16)));
        int xored = ByteBuffer.wrap(ip).getInt() ^ MAGIC_COOKIE;
        return with(attribute, value.putInt(xored).array());
    }

    String string(int attribute) {
        byte[] value = attributes.get(attribute);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    int errorCode() {
        byte[] value = attributes.get(ERROR_CODE);
        return value == null || value.length < 4 ? 0 : (value[2] & 0x7) * 100 + (value[3] & 0xff);
    }

    InetSocketAddress xorAddress(int attribute) {
        byte[] value = attributes.get(attribute);
        if (value == null || value.length != 8 || value[1] != 1) {
            throw new IllegalStateException("no IPv4 address in attribute 0x" + Integer.toHexString(attribute));
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        int port = (in.getShort(2) & 0xffff) ^ (MAGIC_COOKIE >>> 16);
        int ip = in.getInt(4) ^ MAGIC_COOKIE;
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(ip).array()), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encodes the message; with a key, appends MESSAGE-INTEGRITY over everything before it. */
    byte[] encode(byte[] integrityKey) {
        int length = 0;
        for (byte[] value : attributes.values()) {
            length += 4 + padded(value.length);
        }
        int total = length + (integrityKey != null ? 24 : 0);
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + total);
        out.putShort((short) type).putShort((short) total).putInt(MAGIC_COOKIE).put(transactionId);
        for (Map.Entry<Integer, byte[]> attribute : attributes.entrySet()) {
            out.putShort(attribute.getKey().shortValue()).putShort((short) attribute.getValue().length)
                    .put(attribute.getValue());
            out.position(out.position() + padded(attribute.getValue().length) - attribute.getValue().length);
        }
        if (integrityKey != null) {
            byte[] mac = hmacSha1(integrityKey, out.array(), out.position());
            out.putShort((short) MESSAGE_INTEGRITY).putShort((short) 20).put(mac);
        }
        return out.array();
    }

    static StunMessage decode(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data);
        if (data.length < HEADER_BYTES || in.getInt(4) != MAGIC_COOKIE) {
            throw new IllegalArgumentException("not a STUN message");
        }
        int type = in.getShort() & 0xffff;
        int length = in.getShort() & 0xffff;
        in.getInt();
        byte[] id = new byte[12];
        in.get(id);
        if (HEADER_BYTES + length > data.length) {
            throw new IllegalArgumentException("STUN message truncated");
        }
        Map<Integer, byte[]> attributes = new LinkedHashMap<>();
        while (in.position() + 4 <= HEADER_BYTES + length) {
            int attribute = in.getShort() & 0xffff;
            int size = in.getShort() & 0xffff;
            if (in.position() + size > data.length) {
                throw new IllegalArgumentException("STUN attribute truncated");
            }
            byte[] value = new byte[size];
            in.get(value);
            attributes.putIfAbsent(attribute, value);
            in.position(Math.min(data.length, in.position() + padded(size) - size));
        }
        return new StunMessage(type, id, attributes);
    }

    /** The long-term credential key, MD5(username ":" realm ":" password). */
    static byte[] longTermKey(String username, String realm, String password) {
        try {
            return MessageDigest.getInstance("MD5")
                    .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmacSha1(byte[] key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

}
