package org.parley.mls.messages;

/**
 * {@code uint16 ProposalType} (RFC 9420 Section 12.1, "MLS Proposal Types" registry, Section 17.4).
 * ADD to GROUP_CONTEXT_EXTENSIONS are the "default" types of Section 7.2 (see
 * {@link org.parley.mls.extensions.Capabilities#supportsProposal}).
 */
public final class ProposalType {
    public static final int ADD = 0x0001;
    public static final int UPDATE = 0x0002;
    public static final int REMOVE = 0x0003;
    public static final int PSK = 0x0004;
    public static final int REINIT = 0x0005;
    public static final int EXTERNAL_INIT = 0x0006;
    public static final int GROUP_CONTEXT_EXTENSIONS = 0x0007;

    private ProposalType() {
    }
}
