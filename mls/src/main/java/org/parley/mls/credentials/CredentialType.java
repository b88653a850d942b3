package org.parley.mls.credentials;

/**
 * {@code uint16 CredentialType} (RFC 9420 Section 5.3, "MLS Credential Types" registry, Section 17.5).
 * Kept as a number because unknown values must be carried and ignored, not rejected.
 */
public final class CredentialType {
    public static final int BASIC = 0x0001;
    public static final int X509 = 0x0002;

    private CredentialType() {
    }
}
