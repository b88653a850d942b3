package org.parley.mls.keypackages;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.LeafNodeValidation;
import org.parley.mls.tree.Lifetime;

import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyPackageValidationTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SignatureKeyPair signature = SUITE.generateSignatureKeyPair(RANDOM);
    private final HpkeKeyPair encryption = SUITE.generateHpkeKeyPair(RANDOM);
    private final HpkeKeyPair init = SUITE.generateHpkeKeyPair(RANDOM);

    private LeafNode leaf(LeafNodeSource source, List<Integer> extensionCaps, List<Extension> extensions) {
        return new LeafNode(encryption.publicKey(), signature.publicKey(), new BasicCredential("bob".getBytes()),
                new Capabilities(List.of(1), List.of(1), extensionCaps, List.of(), List.of(1)), source,
                source == LeafNodeSource.KEY_PACKAGE ? new Lifetime(100, 200) : null, null, extensions, Bytes.EMPTY)
                .sign(SUITE, signature.privateKey(), new byte[0], 0);
    }

    private KeyPackage keyPackage(LeafNode leaf, HpkePublicKey initKey, List<Extension> extensions) {
        KeyPackage unsigned = new KeyPackage(1, SUITE.id(), initKey, leaf, extensions, Bytes.EMPTY);
        return new KeyPackage(1, SUITE.id(), initKey, leaf, extensions,
                KeyPackageValidation.sign(unsigned, SUITE, signature.privateKey()));
    }

    private KeyPackage valid() {
        return keyPackage(leaf(LeafNodeSource.KEY_PACKAGE, List.of(0xff01), List.of()), init.publicKey(),
                List.of(new Extension(0xff01, new byte[] {1})));
    }

    @Test
    void aWellFormedKeyPackageIsValid() {
        assertThatCode(() -> KeyPackageValidation.validate(valid(), 1, SUITE, null)).doesNotThrowAnyException();
        RequiredCapabilities required = new RequiredCapabilities(List.of(0xff01), List.of(), List.of(1));
        assertThatCode(() -> KeyPackageValidation.validate(valid(), 1, SUITE, required)).doesNotThrowAnyException();
    }

    @Test
    void everySection10_1CheckRejects() {
        assertThatThrownBy(() -> KeyPackageValidation.validate(valid(), 1,
                CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("the group uses version 1 suite 3");

        KeyPackage good = valid();
        byte[] forged = good.signature().toByteArray();
        forged[0] ^= 1;
        KeyPackage badSignature = new KeyPackage(1, SUITE.id(), good.initKey(), good.leafNode(), good.extensions(),
                Bytes.copyOf(forged));
        assertThatThrownBy(() -> KeyPackageValidation.validate(badSignature, 1, SUITE, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("KeyPackage signature is invalid");

        KeyPackage sameKeys = keyPackage(good.leafNode(), encryption.publicKey(), List.of());
        assertThatThrownBy(() -> KeyPackageValidation.validate(sameKeys, 1, SUITE, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("init_key equals");

        KeyPackage updateLeaf = keyPackage(leaf(LeafNodeSource.UPDATE, List.of(), List.of()), init.publicKey(), List.of());
        assertThatThrownBy(() -> KeyPackageValidation.validate(updateLeaf, 1, SUITE, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("leaf_node_source UPDATE");

        KeyPackage unlisted = keyPackage(leaf(LeafNodeSource.KEY_PACKAGE, List.of(), List.of()), init.publicKey(),
                List.of(new Extension(0xff02, new byte[0])));
        assertThatThrownBy(() -> KeyPackageValidation.validate(unlisted, 1, SUITE, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("extension 65282");

        KeyPackage unlistedLeafExtension = keyPackage(leaf(LeafNodeSource.KEY_PACKAGE, List.of(),
                List.of(new Extension(0xff03, new byte[0]))), init.publicKey(), List.of());
        assertThatThrownBy(() -> KeyPackageValidation.validate(unlistedLeafExtension, 1, SUITE, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("leaf node carries extension 65283");

        RequiredCapabilities required = new RequiredCapabilities(List.of(0xff09), List.of(), List.of());
        assertThatThrownBy(() -> KeyPackageValidation.validate(valid(), 1, SUITE, required))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("required capabilities");
    }

    @Test
    void lifetimeIsCheckedOnRequest() {
        LeafNode leaf = valid().leafNode();
        assertThatCode(() -> LeafNodeValidation.checkLifetime(leaf, 150)).doesNotThrowAnyException();
        assertThatThrownBy(() -> LeafNodeValidation.checkLifetime(leaf, 201))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("lifetime");
    }
}
