package org.parley.mls.messages;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.credentials.Credential;
import org.parley.mls.credentials.UnknownCredential;
import org.parley.mls.credentials.X509Credential;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.Lifetime;
import org.parley.mls.tree.Node;
import org.parley.mls.tree.ParentNode;
import org.parley.mls.tree.RatchetTreeCodec;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoders reject truncated, over-long, mis-typed and hostile input with a DecodeException naming the problem. */
class MalformedMessagesTest {
    static LeafNode leaf(LeafNodeSource source, byte fill) {
        return new LeafNode(new HpkePublicKey(bytes(32, fill)), new SignaturePublicKey(bytes(32, (byte) (fill + 1))),
                new BasicCredential("alice".getBytes()), new Capabilities(List.of(1), List.of(1), List.of(), List.of(), List.of(1)),
                source, source == LeafNodeSource.KEY_PACKAGE ? new Lifetime(0, -1) : null,
                source == LeafNodeSource.COMMIT ? Bytes.copyOf(new byte[32]) : null, List.of(), Bytes.copyOf(bytes(64, (byte) 9)));
    }

    static byte[] bytes(int n, byte fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, fill);
        return b;
    }

    private static KeyPackage keyPackage() {
        return new KeyPackage(1, 1, new HpkePublicKey(bytes(32, (byte) 7)), leaf(LeafNodeSource.KEY_PACKAGE, (byte) 1),
                List.of(new Extension(0xff00, new byte[] {1, 2})), Bytes.copyOf(bytes(64, (byte) 3)));
    }

    private static <T> T decode(byte[] bytes, Function<TlsReader, T> decoder) {
        return TlsReader.decodeExactly(bytes, decoder, "test value");
    }

    @Test
    void keyPackageRoundTripsAndEveryTruncationIsRejected() {
        byte[] encoded = keyPackage().toBytes();
        assertThat(decode(encoded, KeyPackage::decode).toBytes()).isEqualTo(encoded);
        for (int cut = 0; cut < encoded.length; cut++) {
            byte[] truncated = Arrays.copyOf(encoded, cut);
            assertThatThrownBy(() -> decode(truncated, KeyPackage::decode)).isInstanceOf(DecodeException.class);
        }
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] encoded = keyPackage().toBytes();
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> decode(longer, KeyPackage::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("unexpected bytes after test value");
    }

    @Test
    void hostileVectorLengthIsRejectedWithoutAllocating() {
        // Add proposal whose KeyPackage init_key claims 2^30-1 bytes.
        byte[] hostile = {0, 1, 0, 1, 0, 1, (byte) 0xbf, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3};
        assertThatThrownBy(() -> decode(hostile, Proposal::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("exceeds");
    }

    @Test
    void unknownLeafNodeSourceIsRejected() {
        byte[] encoded = leaf(LeafNodeSource.UPDATE, (byte) 1).toBytes();
        int at = indexOfSource(encoded);
        encoded[at] = 4;
        assertThatThrownBy(() -> decode(encoded, LeafNode::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("leaf_node_source 4");
    }

    /** Offset of the leaf_node_source octet of an update leaf: just before extensions and signature. */
    private static int indexOfSource(byte[] updateLeaf) {
        // extensions<V> is empty (one byte 0x00); the 64-byte signature has a two-byte length prefix.
        return updateLeaf.length - 64 - 2 - 1 - 1;
    }

    @Test
    void unknownEnumsAreRejected() {
        assertThatThrownBy(() -> decode(new byte[] {3, 0}, ProposalOrRef::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("ProposalOrRefType 3");
        assertThatThrownBy(() -> decode(new byte[] {3, 0, 0}, PreSharedKeyID::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("PSKType 3");
        assertThatThrownBy(() -> decode(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, PreSharedKeyID::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("ResumptionPSKUsage 0");
        assertThatThrownBy(() -> decode(new byte[] {2, 1, 3}, RatchetTreeCodec::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("node_type 3");
        assertThatThrownBy(() -> decode(new byte[] {0, 2}, Commit::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("presence octet");
    }

    @Test
    void duplicateExtensionTypesAreRejected() {
        byte[] list = new TlsWriter().writeVector(List.of(new Extension(5, new byte[0]), new Extension(5, new byte[] {1})),
                (w, e) -> e.writeTo(w)).toByteArray();
        assertThatThrownBy(() -> decode(list, Extension::decodeList))
                .isInstanceOf(DecodeException.class).hasMessageContaining("appears twice");
    }

    @Test
    void ratchetTreeShapeIsChecked() {
        Node leaf = new Node.Leaf(leaf(LeafNodeSource.KEY_PACKAGE, (byte) 1));
        Node parent = new Node.Parent(new ParentNode(new HpkePublicKey(bytes(32, (byte) 5)), Bytes.EMPTY, List.of()));
        byte[] trailingBlank = new TlsWriter().writeVectorBody(w -> {
            w.writeOptional(leaf, (ww, n) -> n.writeTo(ww));
            w.writeUint8(0);
        }).toByteArray();
        assertThatThrownBy(() -> RatchetTreeCodec.decode(trailingBlank))
                .isInstanceOf(DecodeException.class).hasMessageContaining("ends with a blank node");
        byte[] parentFirst = new TlsWriter().writeVectorBody(w -> w.writeOptional(parent, (ww, n) -> n.writeTo(ww))).toByteArray();
        assertThatThrownBy(() -> RatchetTreeCodec.decode(parentFirst))
                .isInstanceOf(DecodeException.class).hasMessageContaining("parent node at leaf position 0");
        assertThatThrownBy(() -> RatchetTreeCodec.decode(new byte[] {0}))
                .isInstanceOf(DecodeException.class).hasMessageContaining("empty");
        List<Node> padded = RatchetTreeCodec.decode(RatchetTreeCodec.encode(List.of(leaf, parent, leaf)));
        assertThat(padded).hasSize(3);
        List<Node> threeLeaves = RatchetTreeCodec.decode(RatchetTreeCodec.encode(List.of(leaf, parent, leaf, parent, leaf)));
        assertThat(threeLeaves).hasSize(7);
        assertThat(threeLeaves.subList(5, 7)).containsOnlyNulls();
    }

    @Test
    void unsortedUnmergedLeavesAreRejected() {
        byte[] encoded = new ParentNode(new HpkePublicKey(new byte[] {1}), Bytes.EMPTY, List.of(3, 1)).toBytes();
        assertThatThrownBy(() -> decode(encoded, ParentNode::decode))
                .isInstanceOf(DecodeException.class).hasMessageContaining("increasing order");
    }

    @Test
    void credentialsOfEveryKindRoundTripAndX509IsParsedOnRequest() {
        for (Credential c : List.of(new BasicCredential(new byte[] {1}), new X509Credential(List.of(Bytes.fromHex("3000"))),
                new UnknownCredential(0xabcd, Bytes.fromHex("0405")))) {
            assertThat(decode(c.toBytes(), Credential::decode)).isEqualTo(c);
        }
        assertThatThrownBy(() -> new X509Credential(List.of(Bytes.fromHex("3000"))).certificates())
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("certificate 0");
    }

    @Test
    void unknownProposalTypesAreCarried() {
        Proposal unknown = new Proposal.Unknown(0x0a0a, Bytes.fromHex("010203"));
        assertThat(decode(unknown.toBytes(), Proposal::decode)).isEqualTo(unknown);
    }
}
