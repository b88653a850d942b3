package org.parley.mls.framing;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;

/** {@code uint16 WireFormat} (RFC 9420 Section 6 and the "MLS Wire Formats" registry, Section 17.2). */
public enum WireFormat {
    MLS_PUBLIC_MESSAGE(0x0001),
    MLS_PRIVATE_MESSAGE(0x0002),
    MLS_WELCOME(0x0003),
    MLS_GROUP_INFO(0x0004),
    MLS_KEY_PACKAGE(0x0005);

    private final int id;

    WireFormat(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static WireFormat read(TlsReader reader) {
        int at = reader.position();
        int id = reader.readUint16();
        for (WireFormat f : values()) {
            if (f.id == id) {
                return f;
            }
        }
        throw new DecodeException("unknown wire format " + id, at);
    }
}
