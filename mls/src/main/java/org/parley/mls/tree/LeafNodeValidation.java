package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.X509Credential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;

/**
 * The per-leaf checks of Leaf Node Validation (RFC 9420 Section 7.3). The checks that compare a
 * leaf with the rest of the group (credential types in use, unique keys) need the whole tree and
 * are in {@link RatchetTree}. Every failure is an {@link MlsProtocolException} saying which check failed.
 */
public final class LeafNodeValidation {
    private LeafNodeValidation() {
    }

    /**
     * Checks the source; for an x509 credential, that the certificate carries the signature key;
     * the signature; the leaf's own extensions and credential type against its capabilities
     * (Section 7.2); and the group's required capabilities when {@code required} is not null.
     */
    public static void validate(LeafNode leaf, CipherSuite suite, LeafNodeSource expectedSource, byte[] groupId,
                                int leafIndex, RequiredCapabilities required) {
        if (leaf.leafNodeSource() != expectedSource) {
            throw new MlsProtocolException("leaf node has leaf_node_source " + leaf.leafNodeSource()
                    + " where " + expectedSource + " is required");
        }
        if (leaf.credential() instanceof X509Credential x509 && !x509.endEntityKeyMatches(leaf.signatureKey())) {
            throw new MlsProtocolException("leaf node's x509 certificate does not carry its signature key");
        }
        if (!leaf.verifySignature(suite, groupId, leafIndex)) {
            throw new MlsProtocolException("leaf node signature is invalid (leaf " + Integer.toUnsignedString(leafIndex) + ")");
        }
        validateCapabilities(leaf, required);
    }

    /**
     * The checks of {@link #validate} other than source and signature, for a caller whose leaf
     * is verified elsewhere (TreeKEM verifies an UpdatePath's leaf): the leaf's extensions and
     * credential type against its capabilities, and the group's required capabilities.
     */
    public static void validateCapabilities(LeafNode leaf, RequiredCapabilities required) {
        for (Extension e : leaf.extensions()) {
            if (!leaf.capabilities().supportsExtension(e.extensionType())) {
                throw new MlsProtocolException("leaf node carries extension " + e.extensionType()
                        + " that its capabilities do not list");
            }
        }
        if (!leaf.capabilities().credentials().contains(leaf.credential().credentialType())) {
            throw new MlsProtocolException("leaf node's credential type " + leaf.credential().credentialType()
                    + " is not listed in its capabilities");
        }
        if (required != null && !required.isMetBy(leaf.capabilities())) {
            throw new MlsProtocolException("leaf node does not support the group's required capabilities");
        }
    }

    /** The lifetime check of Section 7.3, for a leaf the caller is about to send or chooses to check on receipt. */
    public static void checkLifetime(LeafNode leaf, long nowEpochSeconds) {
        if (leaf.lifetime() != null && !leaf.lifetime().contains(nowEpochSeconds)) {
            throw new MlsProtocolException("leaf node lifetime does not include the current time");
        }
    }
}
