package org.parley.mls.framing;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/**
 * {@code MLSMessage} (RFC 9420 Section 6): the version, the wire format and one body.
 * PublicMessage and PrivateMessage are decoded here; Welcome, GroupInfo and KeyPackage bodies are
 * kept as their encoded bytes in an {@link EncodedBody}, which the {@code messages} and
 * {@code keypackages} packages decode. An MLSMessage is always a whole message, so such a body is
 * everything after the wire format.
 */
public record MlsMessage(Body body) implements TlsEncodable {
    /** One body of an MLSMessage. */
    public sealed interface Body extends TlsEncodable permits PublicMessage, PrivateMessage, EncodedBody {
        WireFormat wireFormat();
    }

    /** A Welcome, GroupInfo or KeyPackage in its encoding. */
    public record EncodedBody(WireFormat wireFormat, Bytes bytes) implements Body {
        public EncodedBody {
            if (wireFormat == WireFormat.MLS_PUBLIC_MESSAGE || wireFormat == WireFormat.MLS_PRIVATE_MESSAGE) {
                throw new IllegalArgumentException(wireFormat + " has a decoded body type");
            }
            Objects.requireNonNull(bytes, "bytes");
        }

        /** A body holding a copy of {@code bytes}. */
        public EncodedBody(WireFormat wireFormat, byte[] bytes) {
            this(wireFormat, Bytes.copyOf(bytes));
        }

        @Override
        public void writeTo(TlsWriter w) {
            w.writeFixed(bytes);
        }

        @Override
        public String toString() {
            return "EncodedBody[" + wireFormat + ", " + bytes.length() + " bytes]";
        }
    }

    public WireFormat wireFormat() {
        return body.wireFormat();
    }

    @Override
    public void writeTo(TlsWriter w) {
        w.writeUint16(ProtocolVersion.MLS10).writeUint16(body.wireFormat().id());
        body.writeTo(w);
    }

    /** Decodes a whole MLSMessage; trailing bytes after a PublicMessage or PrivateMessage are rejected. */
    public static MlsMessage decode(byte[] bytes, HandshakeContentReader bodies) {
        return TlsReader.decodeExactly(bytes, r -> {
            ProtocolVersion.readMls10(r, "MLSMessage");
            WireFormat format = WireFormat.read(r);
            Body body = switch (format) {
                case MLS_PUBLIC_MESSAGE -> PublicMessage.read(r, bodies);
                case MLS_PRIVATE_MESSAGE -> PrivateMessage.read(r);
                default -> new EncodedBody(format, r.readFixedBytes(r.remaining(), format.name()));
            };
            return new MlsMessage(body);
        }, "MLSMessage");
    }
}
