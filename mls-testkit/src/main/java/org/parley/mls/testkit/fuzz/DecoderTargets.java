package org.parley.mls.testkit.fuzz;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.keypackages.KeyPackageValidation;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.GroupSecrets;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.Proposal;
import org.parley.mls.messages.Welcome;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.RatchetTreeCodec;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The fuzz targets: every decoder of a struct that arrives from the network (RFC 9420 Sections
 * 6, 7, 10, 12), each checking that an accepted value re-encodes to the input (the codec is
 * canonical, so a difference means the decoder accepted something it should not have), plus
 * targets that go past decoding: KeyPackage validation (Section 10.1), ratchet tree validation
 * (Section 12.4.3.1) and PrivateMessage unprotection against known keys (Section 6.3).
 */
public final class DecoderTargets {
    /** Measured: a P-521 ECDSA verification allocates about 1.5 MB in BouncyCastle, for about 140 bytes of signature and key. */
    private static final long VERIFYING_ALLOCATION_PER_BYTE = 16_384;

    public static final FuzzTarget MLS_MESSAGE = new Decoding<>("MLSMessage",
            bytes -> {
                MlsMessage message = MlsMessage.decode(bytes, HandshakeBodies.INSTANCE);
                if (message.body() instanceof MlsMessage.EncodedBody body) {
                    Function<TlsReader, ? extends TlsEncodable> decoder = switch (body.wireFormat()) {
                        case MLS_WELCOME -> Welcome::decode;
                        case MLS_GROUP_INFO -> GroupInfo::decode;
                        case MLS_KEY_PACKAGE -> KeyPackage::decode;
                        default -> throw new MlsProtocolException("MLSMessage has wire format " + body.wireFormat());
                    };
                    TlsReader.decodeExactly(body.bytes(), decoder, body.wireFormat().name());
                }
                return message;
            });
    public static final FuzzTarget KEY_PACKAGE = decoding("KeyPackage", KeyPackage::decode);
    public static final FuzzTarget WELCOME = decoding("Welcome", Welcome::decode);
    public static final FuzzTarget GROUP_INFO = decoding("GroupInfo", GroupInfo::decode);
    public static final FuzzTarget GROUP_SECRETS = decoding("GroupSecrets", GroupSecrets::decode);
    public static final FuzzTarget COMMIT = decoding("Commit", Commit::decode);
    public static final FuzzTarget PROPOSAL = decoding("Proposal", Proposal::decode);
    public static final FuzzTarget LEAF_NODE = decoding("LeafNode", LeafNode::decode);
    public static final FuzzTarget GROUP_CONTEXT = decoding("GroupContext", GroupContext::decode);
    public static final FuzzTarget RATCHET_TREE = new Decoding<>("RatchetTree",
            bytes -> new EncodedTree(RatchetTreeCodec.decode(bytes)));

    /** Decodes a KeyPackage and validates it for its own cipher suite: signatures over mutated content. */
    public static final FuzzTarget KEY_PACKAGE_VALIDATION = new FuzzTarget() {
        @Override
        public String name() {
            return "KeyPackage validation";
        }

        @Override
        public void run(byte[] input) {
            KeyPackage keyPackage = TlsReader.decodeExactly(input, KeyPackage::decode, "KeyPackage");
            KeyPackageValidation.validate(keyPackage, ProtocolVersion.MLS10, CipherSuite.fromId(keyPackage.cipherSuite()), null);
        }

        @Override
        public long allocationPerInputByte() {
            return VERIFYING_ALLOCATION_PER_BYTE;
        }
    };

    private DecoderTargets() {
    }

    private static <T extends TlsEncodable> FuzzTarget decoding(String name, Function<TlsReader, T> decoder) {
        return new Decoding<>(name, bytes -> TlsReader.decodeExactly(bytes, decoder, name));
    }

    /** A decoder whose accepted values must re-encode to exactly the input. */
    private record Decoding<T extends TlsEncodable>(String name, Function<byte[], T> decoder) implements FuzzTarget {
        @Override
        public void run(byte[] input) {
            byte[] again = decoder.apply(input).toBytes();
            if (!Arrays.equals(again, input)) {
                throw new PropertyViolation(name + " accepted an input that re-encodes differently");
            }
        }
    }

    /** The ratchet_tree encoding as a value, so the codec's re-encoding can be compared. */
    private record EncodedTree(List<org.parley.mls.tree.Node> nodes) implements TlsEncodable {
        @Override
        public void writeTo(org.parley.mls.codec.TlsWriter writer) {
            writer.writeFixed(RatchetTreeCodec.encode(nodes));
        }
    }

    /** Decodes a ratchet tree for a group and runs the joiner's validation (Section 12.4.3.1) and tree hash. */
    public static FuzzTarget treeValidation(CipherSuite suite, byte[] groupId) {
        byte[] id = groupId.clone();
        return new FuzzTarget() {
            @Override
            public String name() {
                return "RatchetTree validation";
            }

            @Override
            public void run(byte[] input) {
                RatchetTree tree = RatchetTree.decode(suite, input);
                tree.validate(id, null);
                tree.treeHash();
            }

            @Override
            public long allocationPerInputByte() {
                return VERIFYING_ALLOCATION_PER_BYTE;
            }
        };
    }

    /**
     * Unprotects a PrivateMessage with a fresh copy of the keys that protected {@code genuine}.
     * A changed message must be rejected (the AEAD covers every byte), and the rejection must
     * leave the secret tree able to open the genuine message afterwards.
     */
    public static FuzzTarget privateMessage(CipherSuite suite, GroupContext context, byte[] encryptionSecret,
                                            byte[] senderDataSecret, int leafCount, SignaturePublicKey signer,
                                            byte[] genuine) {
        Secret secret = Secret.copyOf(encryptionSecret);
        Secret senderData = Secret.copyOf(senderDataSecret);
        byte[] original = genuine.clone();
        return new FuzzTarget() {
            @Override
            public String name() {
                return "PrivateMessage unprotect";
            }

            @Override
            public void run(byte[] input) {
                SecretTree tree = new SecretTree(suite, secret, leafCount);
                try {
                    open(input, tree);
                } catch (MlsProtocolException rejected) {
                    try {
                        open(original, tree);
                    } catch (MlsProtocolException e) {
                        throw new PropertyViolation("after rejecting a changed PrivateMessage the genuine one no longer opens: "
                                + e.getMessage());
                    }
                    throw rejected;
                }
                if (!Arrays.equals(input, original)) {
                    throw new PropertyViolation("a changed PrivateMessage was accepted");
                }
            }

            private void open(byte[] bytes, SecretTree tree) {
                MlsMessage message = MlsMessage.decode(bytes, HandshakeBodies.INSTANCE);
                if (!(message.body() instanceof PrivateMessage privateMessage)) {
                    throw new MlsProtocolException("not a PrivateMessage: " + message.wireFormat());
                }
                AuthenticatedContent content = privateMessage.unprotect(suite, tree, senderData, context, HandshakeBodies.INSTANCE);
                content.requireValidSignature(suite, signer, context);
            }
        };
    }

    /**
     * Unprotects a PublicMessage with the membership key and verifies its signature; only the
     * group's {@code genuine} messages (all of them, since the fuzzer also feeds one target's
     * seeds to another of the same kind) may be accepted.
     */
    public static FuzzTarget publicMessage(CipherSuite suite, GroupContext context, byte[] membershipKey,
                                           SignaturePublicKey signer, List<byte[]> genuine) {
        byte[] key = membershipKey.clone();
        List<byte[]> originals = genuine.stream().map(byte[]::clone).toList();
        return new FuzzTarget() {
            @Override
            public String name() {
                return "PublicMessage unprotect";
            }

            @Override
            public void run(byte[] input) {
                MlsMessage message = MlsMessage.decode(input, HandshakeBodies.INSTANCE);
                if (!(message.body() instanceof PublicMessage publicMessage)) {
                    throw new MlsProtocolException("not a PublicMessage: " + message.wireFormat());
                }
                publicMessage.unprotect(suite, key, context).requireValidSignature(suite, signer, context);
                if (originals.stream().noneMatch(g -> Arrays.equals(g, input))) {
                    throw new PropertyViolation("a changed PublicMessage was accepted");
                }
            }
        };
    }
}
