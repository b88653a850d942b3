package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.TlsReader;

/**
 * {@code deserialization.json} ("Vector Deserialization" in test-vectors.md): each
 * {@code vlbytes_header} is a variable-length integer (RFC 9420 Section 2.1.2) that decodes to
 * {@code length} and uses every byte of the header.
 */
public final class DeserializationVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "deserialization.json";
    }

    @Override
    public void verify(JsonNode c) {
        TlsReader reader = new TlsReader(Check.hex(c, "vlbytes_header"));
        Check.equal("length", Check.number(c, "length"), reader.readVarint());
        reader.requireEnd("vlbytes_header");
    }
}
