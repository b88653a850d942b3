package org.parley.mls;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;

/** {@code enum { reserved(0), mls10(1), (65535) } ProtocolVersion;} (RFC 9420 Section 6). Only mls10 exists. */
public final class ProtocolVersion {
    public static final int MLS10 = 1;

    private ProtocolVersion() {
    }

    /** Reads a ProtocolVersion and rejects anything but mls10. */
    public static int readMls10(TlsReader reader, String where) {
        int at = reader.position();
        int version = reader.readUint16();
        if (version != MLS10) {
            throw new DecodeException(where + " has protocol version " + version + ", only mls10 (1) is supported", at);
        }
        return version;
    }
}
