package org.parley.mls.tree;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/** {@code Lifetime} (RFC 9420 Section 7.2): seconds since the Unix epoch, both bounds inclusive. */
public record Lifetime(long notBefore, long notAfter) implements TlsEncodable {
    public static Lifetime decode(TlsReader reader) {
        return new Lifetime(reader.readUint64(), reader.readUint64());
    }

    /** Whether {@code epochSeconds} lies within the lifetime, comparing as the unsigned uint64 values they are. */
    public boolean contains(long epochSeconds) {
        return Long.compareUnsigned(notBefore, epochSeconds) <= 0 && Long.compareUnsigned(epochSeconds, notAfter) <= 0;
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint64(notBefore).writeUint64(notAfter);
    }
}
