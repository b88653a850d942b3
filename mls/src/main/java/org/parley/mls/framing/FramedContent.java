package org.parley.mls.framing;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@code FramedContent} (RFC 9420 Section 6). {@code body} is the application_data for
 * application messages, and the encoded Proposal or Commit for handshake messages (decoded by
 * the {@code messages} package).
 *
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     Sender sender;
 *     opaque authenticated_data&lt;V&gt;;
 *     ContentType content_type;
 *     select (FramedContent.content_type) {
 *         case application: opaque application_data&lt;V&gt;;
 *         case proposal:    Proposal proposal;
 *         case commit:      Commit commit;
 *     };
 * } FramedContent;
 * </pre>
 */
public record FramedContent(Bytes groupId, long epoch, Sender sender, byte[] authenticatedData,
                            ContentType contentType, byte[] body) implements TlsEncodable {
    public FramedContent {
        Objects.requireNonNull(groupId, "groupId");
        authenticatedData = authenticatedData.clone();
        body = body.clone();
    }

    @Override
    public byte[] authenticatedData() {
        return authenticatedData.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public void writeTo(TlsWriter w) {
        w.writeOpaque(groupId).writeUint64(epoch);
        sender.writeTo(w);
        w.writeOpaque(authenticatedData).writeUint8(contentType.id());
        writeBody(w, contentType, body);
    }

    /** The content of a FramedContent or PrivateMessageContent: length-prefixed application data, or a bare struct. */
    static void writeBody(TlsWriter w, ContentType type, byte[] body) {
        if (type == ContentType.APPLICATION) {
            w.writeOpaque(body);
        } else {
            w.writeFixed(body);
        }
    }

    public static FramedContent read(TlsReader r, HandshakeContentReader bodies) {
        Bytes groupId = r.readOpaqueBytes();
        long epoch = r.readUint64();
        Sender sender = Sender.read(r);
        byte[] aad = r.readOpaque();
        ContentType type = ContentType.read(r);
        return new FramedContent(groupId, epoch, sender, aad, type, bodies.readBody(type, r));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FramedContent f && epoch == f.epoch && sender.equals(f.sender) && contentType == f.contentType
                && groupId.equals(f.groupId) && Arrays.equals(authenticatedData, f.authenticatedData)
                && Arrays.equals(body, f.body);
    }

    @Override
    public int hashCode() {
        return groupId.hashCode() * 31 + Long.hashCode(epoch);
    }

    @Override
    public String toString() {
        return "FramedContent[group " + groupId.toHex() + ", epoch " + epoch + ", " + sender + ", "
                + contentType + ", " + body.length + " bytes]";
    }
}
