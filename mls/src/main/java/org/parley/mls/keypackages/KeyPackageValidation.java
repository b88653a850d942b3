package org.parley.mls.keypackages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.LeafNodeValidation;

/** KeyPackage Validation (RFC 9420 Section 10.1), plus the Section 10 rule on extensions listed in capabilities. */
public final class KeyPackageValidation {
    private static final String SIGNATURE_LABEL = "KeyPackageTBS";

    private KeyPackageValidation() {
    }

    /**
     * Validates a KeyPackage for a group with the given version and cipher suite; {@code required}
     * is the group's required_capabilities, or null. Throws MlsProtocolException naming the failed check.
     */
    public static void validate(KeyPackage keyPackage, int groupVersion, CipherSuite groupSuite,
                                RequiredCapabilities required) {
        if (keyPackage.version() != groupVersion || keyPackage.cipherSuite() != groupSuite.id()) {
            throw new MlsProtocolException("KeyPackage is for version " + keyPackage.version() + " suite "
                    + keyPackage.cipherSuite() + ", the group uses version " + groupVersion + " suite " + groupSuite.id());
        }
        LeafNodeValidation.validate(keyPackage.leafNode(), groupSuite, LeafNodeSource.KEY_PACKAGE, new byte[0], 0, required);
        if (!groupSuite.verifyWithLabel(keyPackage.leafNode().signatureKey(), SIGNATURE_LABEL, keyPackage.toBeSigned(),
                keyPackage.signature().toByteArray())) {
            throw new MlsProtocolException("KeyPackage signature is invalid");
        }
        if (keyPackage.leafNode().encryptionKey().equals(keyPackage.initKey())) {
            throw new MlsProtocolException("KeyPackage init_key equals its leaf node's encryption_key");
        }
        for (Extension e : keyPackage.extensions()) {
            if (!keyPackage.leafNode().capabilities().supportsExtension(e.extensionType())) {
                throw new MlsProtocolException("KeyPackage carries extension " + e.extensionType()
                        + " that its leaf node's capabilities do not list");
            }
        }
    }

    /** Signs a KeyPackage's content: SignWithLabel(., "KeyPackageTBS", KeyPackageTBS). */
    public static Bytes sign(KeyPackage unsigned, CipherSuite suite, SignaturePrivateKey key) {
        return Bytes.copyOf(suite.signWithLabel(key, SIGNATURE_LABEL, unsigned.toBeSigned()));
    }
}
