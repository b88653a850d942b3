package org.parley.mls.extensions;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code Extension} (RFC 9420 Section 7.2): a type and opaque data. The typed views
 * ({@link ApplicationId}, {@link RequiredCapabilities}, {@link ExternalPub}, {@link ExternalSenders};
 * the ratchet tree in {@code org.parley.mls.tree.RatchetTree#fromExtension}) decode {@link #data()} on demand,
 * so unknown extensions survive untouched.
 */
public record Extension(int extensionType, Bytes data) implements TlsEncodable {
    public Extension {
        Objects.requireNonNull(data, "data");
    }

    /** An extension holding a copy of {@code data}. */
    public Extension(int extensionType, byte[] data) {
        this(extensionType, Bytes.copyOf(data));
    }

    public static Extension decode(TlsReader reader) {
        return new Extension(reader.readUint16(), reader.readOpaqueBytes());
    }

    /**
     * {@code Extension extensions<V>}, rejecting a list that repeats a type (Section 13.3: "Any field
     * containing a list of extensions MUST NOT have more than one extension of any given type").
     */
    public static List<Extension> decodeList(TlsReader reader) {
        int start = reader.position();
        List<Extension> list = reader.readVector(Extension::decode);
        Set<Integer> seen = new HashSet<>();
        for (Extension e : list) {
            if (!seen.add(e.extensionType)) {
                throw new DecodeException("extension type " + e.extensionType + " appears twice in one list", start);
            }
        }
        return list;
    }

    public static void writeList(TlsWriter writer, List<Extension> extensions) {
        writer.writeVector(extensions, (w, e) -> e.writeTo(w));
    }

    /** The extension of the given type in a list, or null. */
    public static Extension find(List<Extension> extensions, int type) {
        for (Extension e : extensions) {
            if (e.extensionType == type) {
                return e;
            }
        }
        return null;
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(extensionType).writeOpaque(data);
    }

    @Override
    public String toString() {
        return "Extension[type=" + extensionType + ", " + data.length() + " bytes]";
    }
}
