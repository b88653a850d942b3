package org.parley.mls.schedule;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.extensions.Extension;

import java.util.List;
import java.util.Objects;

/**
 * {@code GroupContext} (RFC 9420 Section 8.1): the summary of the group's state that every key
 * derivation of an epoch is bound to.
 *
 * <pre>
 * struct {
 *     ProtocolVersion version = mls10;
 *     CipherSuite cipher_suite;
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     opaque tree_hash&lt;V&gt;;
 *     opaque confirmed_transcript_hash&lt;V&gt;;
 *     Extension extensions&lt;V&gt;;
 * } GroupContext;
 * </pre>
 */
public record GroupContext(CipherSuite cipherSuite, Bytes groupId, long epoch, Bytes treeHash,
                           Bytes confirmedTranscriptHash, List<Extension> extensions) implements TlsEncodable {
    public GroupContext {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(treeHash, "treeHash");
        Objects.requireNonNull(confirmedTranscriptHash, "confirmedTranscriptHash");
        extensions = List.copyOf(extensions);
    }

    /** A context holding copies of the three arrays. */
    public GroupContext(CipherSuite cipherSuite, byte[] groupId, long epoch, byte[] treeHash,
                        byte[] confirmedTranscriptHash, List<Extension> extensions) {
        this(cipherSuite, Bytes.copyOf(groupId), epoch, Bytes.copyOf(treeHash), Bytes.copyOf(confirmedTranscriptHash),
                extensions);
    }

    /** The same context for the next epoch, with a new tree hash and confirmed transcript hash. */
    public GroupContext nextEpoch(byte[] newTreeHash, byte[] newConfirmedTranscriptHash, List<Extension> newExtensions) {
        return new GroupContext(cipherSuite, groupId, epoch + 1, Bytes.copyOf(newTreeHash),
                Bytes.copyOf(newConfirmedTranscriptHash), newExtensions);
    }

    /** Fails unless a message's group id and epoch are this context's (RFC 9420 Section 6). */
    public void requireMessageFor(Bytes messageGroupId, long messageEpoch) {
        if (!groupId.equals(messageGroupId)) {
            throw new MlsProtocolException("message is for group " + messageGroupId.toHex()
                    + ", not this group " + groupId.toHex());
        }
        if (messageEpoch != epoch) {
            throw new MlsProtocolException("message is for epoch " + Long.toUnsignedString(messageEpoch)
                    + " but the group is at epoch " + Long.toUnsignedString(epoch));
        }
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(ProtocolVersion.MLS10)
                .writeUint16(cipherSuite.id())
                .writeOpaque(groupId)
                .writeUint64(epoch)
                .writeOpaque(treeHash)
                .writeOpaque(confirmedTranscriptHash);
        Extension.writeList(writer, extensions);
    }

    public static GroupContext decode(TlsReader reader) {
        ProtocolVersion.readMls10(reader, "GroupContext");
        CipherSuite suite = readCipherSuite(reader);
        Bytes groupId = reader.readOpaqueBytes();
        long epoch = reader.readUint64();
        Bytes treeHash = reader.readOpaqueBytes();
        Bytes confirmed = reader.readOpaqueBytes();
        List<Extension> extensions = Extension.decodeList(reader);
        return new GroupContext(suite, groupId, epoch, treeHash, confirmed, extensions);
    }

    /** Decodes a GroupContext that must fill {@code bytes} exactly. */
    public static GroupContext decode(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, GroupContext::decode, "GroupContext");
    }

    /** A CipherSuite code point, rejected with its offset when this implementation does not support it. */
    public static CipherSuite readCipherSuite(TlsReader reader) {
        int at = reader.position();
        int id = reader.readUint16();
        try {
            return CipherSuite.fromId(id);
        } catch (MlsProtocolException e) {
            throw new DecodeException(e.getMessage(), at);
        }
    }

    @Override
    public String toString() {
        return "GroupContext[" + cipherSuite + ", group " + groupId.toHex() + ", epoch " + epoch
                + ", " + extensions.size() + " extensions]";
    }
}
