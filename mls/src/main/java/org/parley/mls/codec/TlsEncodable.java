package org.parley.mls.codec;

/**
 * A value with a TLS presentation-language encoding (RFC 9420 Section 2.1). Implemented by the
 * protocol structs so that vectors of them can be written with one method reference.
 */
public interface TlsEncodable {
    void writeTo(TlsWriter writer);

    /** The encoded bytes of this value alone. */
    default byte[] toBytes() {
        TlsWriter writer = new TlsWriter();
        writeTo(writer);
        return writer.toByteArray();
    }
}
