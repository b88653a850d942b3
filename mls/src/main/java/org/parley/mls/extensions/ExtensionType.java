package org.parley.mls.extensions;

/**
 * {@code uint16 ExtensionType} (RFC 9420 Section 13.3, "MLS Extension Types" registry, Section 17.3).
 * Numbers, not an enum: unknown extension types are carried and ignored.
 */
public final class ExtensionType {
    public static final int APPLICATION_ID = 0x0001;
    public static final int RATCHET_TREE = 0x0002;
    public static final int REQUIRED_CAPABILITIES = 0x0003;
    public static final int EXTERNAL_PUB = 0x0004;
    public static final int EXTERNAL_SENDERS = 0x0005;

    private ExtensionType() {
    }

    /** The "default" types of Section 7.2 that every client implements and that MUST NOT be listed in Capabilities. */
    public static boolean isDefault(int type) {
        return type >= APPLICATION_ID && type <= EXTERNAL_SENDERS;
    }
}
