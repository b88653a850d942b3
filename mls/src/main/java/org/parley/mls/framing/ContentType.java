package org.parley.mls.framing;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;

/** {@code enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;} (RFC 9420 Section 6). */
public enum ContentType {
    APPLICATION(1), PROPOSAL(2), COMMIT(3);

    private final int id;

    ContentType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static ContentType read(TlsReader reader) {
        int at = reader.position();
        int id = reader.readUint8();
        for (ContentType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new DecodeException("unknown content type " + id, at);
    }
}
