package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.extensions.Extension;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.tree.LeafNode;

import java.util.List;
import java.util.Objects;

/**
 * {@code Proposal} (RFC 9420 Section 12.1): a proposed change to the group, encoded as its
 * {@code ProposalType} followed by the body. {@link #writeBodyTo} writes the body alone, which is
 * what the Messages vectors carry for each proposal type.
 */
public sealed interface Proposal extends TlsEncodable {
    int proposalType();

    void writeBodyTo(TlsWriter writer);

    @Override
    default void writeTo(TlsWriter writer) {
        writer.writeUint16(proposalType());
        writeBodyTo(writer);
    }

    /** The body alone, without the type. */
    default byte[] bodyBytes() {
        TlsWriter writer = new TlsWriter();
        writeBodyTo(writer);
        return writer.toByteArray();
    }

    static Proposal decode(TlsReader reader) {
        return decodeBody(reader.readUint16(), reader);
    }

    static Proposal decodeBody(int type, TlsReader reader) {
        return switch (type) {
            case ProposalType.ADD -> new Add(KeyPackage.decode(reader));
            case ProposalType.UPDATE -> new Update(LeafNode.decode(reader));
            case ProposalType.REMOVE -> new Remove((int) reader.readUint32());
            case ProposalType.PSK -> new PreSharedKey(PreSharedKeyID.decode(reader));
            case ProposalType.REINIT -> new ReInit(reader.readOpaqueBytes(), reader.readUint16(), reader.readUint16(),
                    Extension.decodeList(reader));
            case ProposalType.EXTERNAL_INIT -> new ExternalInit(reader.readOpaqueBytes());
            case ProposalType.GROUP_CONTEXT_EXTENSIONS -> new GroupContextExtensions(Extension.decodeList(reader));
            default -> new Unknown(type, reader.readOpaqueBytes());
        };
    }

    /** {@code Add} (Section 12.1.1). */
    record Add(KeyPackage keyPackage) implements Proposal {
        public int proposalType() {
            return ProposalType.ADD;
        }

        public void writeBodyTo(TlsWriter writer) {
            keyPackage.writeTo(writer);
        }
    }

    /** {@code Update} (Section 12.1.2). */
    record Update(LeafNode leafNode) implements Proposal {
        public int proposalType() {
            return ProposalType.UPDATE;
        }

        public void writeBodyTo(TlsWriter writer) {
            leafNode.writeTo(writer);
        }
    }

    /** {@code Remove} (Section 12.1.3): the leaf index (a uint32) of the member to remove. */
    record Remove(int removed) implements Proposal {
        public int proposalType() {
            return ProposalType.REMOVE;
        }

        public void writeBodyTo(TlsWriter writer) {
            writer.writeUint32(Integer.toUnsignedLong(removed));
        }
    }

    /** {@code PreSharedKey} (Section 12.1.4). */
    record PreSharedKey(PreSharedKeyID psk) implements Proposal {
        public int proposalType() {
            return ProposalType.PSK;
        }

        public void writeBodyTo(TlsWriter writer) {
            psk.writeTo(writer);
        }
    }

    /** {@code ReInit} (Section 12.1.5). */
    record ReInit(Bytes groupId, int version, int cipherSuite, List<Extension> extensions) implements Proposal {
        public ReInit {
            Objects.requireNonNull(groupId, "groupId");
            extensions = List.copyOf(extensions);
        }

        public int proposalType() {
            return ProposalType.REINIT;
        }

        public void writeBodyTo(TlsWriter writer) {
            writer.writeOpaque(groupId).writeUint16(version).writeUint16(cipherSuite);
            Extension.writeList(writer, extensions);
        }
    }

    /** {@code ExternalInit} (Section 12.1.6). */
    record ExternalInit(Bytes kemOutput) implements Proposal {
        public ExternalInit {
            Objects.requireNonNull(kemOutput, "kemOutput");
        }

        public int proposalType() {
            return ProposalType.EXTERNAL_INIT;
        }

        public void writeBodyTo(TlsWriter writer) {
            writer.writeOpaque(kemOutput);
        }
    }

    /** {@code GroupContextExtensions} (Section 12.1.7). */
    record GroupContextExtensions(List<Extension> extensions) implements Proposal {
        public GroupContextExtensions {
            extensions = List.copyOf(extensions);
        }

        public int proposalType() {
            return ProposalType.GROUP_CONTEXT_EXTENSIONS;
        }

        public void writeBodyTo(TlsWriter writer) {
            Extension.writeList(writer, extensions);
        }
    }

    /**
     * A proposal of a type this code does not implement. RFC 9420 leaves the layout of
     * non-default proposals to their own specifications; like OpenMLS and mls-rs, the body is
     * carried as {@code opaque<V>} so that a message holding one can still be parsed and relayed.
     */
    record Unknown(int proposalType, Bytes body) implements Proposal {
        public Unknown {
            Objects.requireNonNull(body, "body");
        }

        public void writeBodyTo(TlsWriter writer) {
            writer.writeOpaque(body);
        }

        @Override
        public String toString() {
            return "Proposal.Unknown[type=" + proposalType + ", " + body.length() + " bytes]";
        }
    }
}
