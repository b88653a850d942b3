package org.parley.mls.group;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.credentials.Credential;
import org.parley.mls.credentials.CredentialType;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.keypackages.KeyPackageValidation;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.Lifetime;

import java.util.List;

/**
 * A KeyPackage (RFC 9420 Section 10) with the private keys its owner keeps until a Welcome
 * arrives: the init key, the leaf's encryption key and the signature key. Publish
 * {@link #publicBytes()}; store {@link #privateBytes()} (secret) and pass the bundle to
 * {@link Group#joinFromWelcome}. {@code toString} shows no key.
 */
public final class KeyPackageBundle {
    private static final int FORMAT_VERSION = 1;
    /** No clock is read here: without a caller-supplied lifetime a KeyPackage is valid at all times. */
    static final Lifetime UNBOUNDED = new Lifetime(0, -1L);

    private final KeyPackage keyPackage;
    private final HpkePrivateKey initKey;
    private final HpkePrivateKey leafKey;
    private final SignaturePrivateKey signatureKey;

    private KeyPackageBundle(KeyPackage keyPackage, HpkePrivateKey initKey, HpkePrivateKey leafKey,
                             SignaturePrivateKey signatureKey) {
        CipherSuite suite = CipherSuite.fromId(keyPackage.cipherSuite());
        if (!suite.hpkePublicKey(initKey).equals(keyPackage.initKey())
                || !suite.hpkePublicKey(leafKey).equals(keyPackage.leafNode().encryptionKey())
                || !suite.signaturePublicKey(signatureKey).equals(keyPackage.leafNode().signatureKey())) {
            throw new MlsProtocolException("the private keys do not belong to the KeyPackage's public keys");
        }
        this.keyPackage = keyPackage;
        this.initKey = initKey;
        this.leafKey = leafKey;
        this.signatureKey = signatureKey;
    }

    /** A fresh, signed KeyPackage for {@code credential}, valid for {@code lifetime} (null: unbounded). */
    public static KeyPackageBundle create(CipherSuite suite, Credential credential, SignatureKeyPair signatureKeys,
                                          Lifetime lifetime, java.security.SecureRandom random) {
        return create(suite, credential, signatureKeys, lifetime, defaultCapabilities(suite), random);
    }

    /**
     * As {@link #create(CipherSuite, Credential, SignatureKeyPair, Lifetime, java.security.SecureRandom)}, with a leaf
     * that declares {@code capabilities} (an application's own extension types, Section 7.2, see {@link #capabilities}).
     */
    public static KeyPackageBundle create(CipherSuite suite, Credential credential, SignatureKeyPair signatureKeys,
                                          Lifetime lifetime, Capabilities capabilities, java.security.SecureRandom random) {
        HpkeKeyPair init = suite.generateHpkeKeyPair(random);
        HpkeKeyPair leafKeys = suite.generateHpkeKeyPair(random);
        LeafNode leaf = new LeafNode(leafKeys.publicKey(), signatureKeys.publicKey(), credential, capabilities,
                LeafNodeSource.KEY_PACKAGE, lifetime == null ? UNBOUNDED : lifetime, null, List.of(), Bytes.EMPTY)
                .sign(suite, signatureKeys.privateKey(), new byte[0], 0);
        KeyPackage unsigned = new KeyPackage(ProtocolVersion.MLS10, suite.id(), init.publicKey(), leaf, List.of(), Bytes.EMPTY);
        KeyPackage signed = new KeyPackage(unsigned.version(), unsigned.cipherSuite(), unsigned.initKey(), leaf, List.of(),
                KeyPackageValidation.sign(unsigned, suite, signatureKeys.privateKey()));
        return new KeyPackageBundle(signed, init.privateKey(), leafKeys.privateKey(), signatureKeys.privateKey());
    }

    /** A bundle from its parts, checking that the private keys match the KeyPackage. */
    public static KeyPackageBundle of(KeyPackage keyPackage, HpkePrivateKey initKey, HpkePrivateKey leafKey,
                                      SignaturePrivateKey signatureKey) {
        return new KeyPackageBundle(keyPackage, initKey, leafKey, signatureKey);
    }

    /** What every Parley client supports: MLS 1.0, the KeyPackage's suite, basic and X.509 credentials. */
    static Capabilities defaultCapabilities(CipherSuite suite) {
        return capabilities(suite, List.of());
    }

    /**
     * The default capabilities plus the non-default extension types an application understands:
     * a group context extension must be supported by every member (RFC 9420 Sections 7.2, 12.1.7).
     */
    public static Capabilities capabilities(CipherSuite suite, List<Integer> extensionTypes) {
        return new Capabilities(List.of(ProtocolVersion.MLS10), List.of(suite.id()), extensionTypes, List.of(),
                List.of(CredentialType.BASIC, CredentialType.X509));
    }

    public KeyPackage keyPackage() {
        return keyPackage;
    }

    HpkePrivateKey initKey() {
        return initKey;
    }

    HpkePrivateKey leafKey() {
        return leafKey;
    }

    SignaturePrivateKey signatureKey() {
        return signatureKey;
    }

    /** The KeyPackage as an MLSMessage, to publish. */
    public byte[] publicBytes() {
        return new MlsMessage(new MlsMessage.EncodedBody(WireFormat.MLS_KEY_PACKAGE, keyPackage.toBytes())).toBytes();
    }

    /** The whole bundle, private keys included (a version byte, then TLS encoding): store it as a secret. */
    public byte[] privateBytes() {
        return new TlsWriter(512).writeUint8(FORMAT_VERSION).writeOpaque(keyPackage.toBytes()).writeOpaque(initKey.bytes())
                .writeOpaque(leafKey.bytes()).writeOpaque(signatureKey.bytes()).toByteArray();
    }

    /** Restores {@link #privateBytes()}; anything else is a DecodeException. */
    public static KeyPackageBundle fromPrivateBytes(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, r -> {
            int version = r.readUint8();
            if (version != FORMAT_VERSION) {
                throw new DecodeException("KeyPackage bundle format version " + version + " is not " + FORMAT_VERSION, 0);
            }
            KeyPackage kp = TlsReader.decodeExactly(r.readOpaque(), KeyPackage::decode, "KeyPackage");
            return new KeyPackageBundle(kp, new HpkePrivateKey(r.readOpaque()), new HpkePrivateKey(r.readOpaque()),
                    new SignaturePrivateKey(r.readOpaque()));
        }, "KeyPackage bundle");
    }

    /** Decodes a published KeyPackage (an MLSMessage carrying a KeyPackage). */
    public static KeyPackage decodePublic(byte[] mlsMessage) {
        MlsMessage message = MlsMessage.decode(mlsMessage, HandshakeBodies.INSTANCE);
        if (!(message.body() instanceof MlsMessage.EncodedBody body) || body.wireFormat() != WireFormat.MLS_KEY_PACKAGE) {
            throw new MlsProtocolException("expected a KeyPackage, got an MLSMessage of wire format " + message.wireFormat());
        }
        return TlsReader.decodeExactly(body.bytes(), KeyPackage::decode, "KeyPackage");
    }

    @Override
    public String toString() {
        return "KeyPackageBundle[" + keyPackage + ", private keys redacted]";
    }
}
