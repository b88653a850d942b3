package org.parley.mls.group;

import org.parley.mls.messages.ProposalType;

/**
 * The kind of a proposal that {@link ProcessedMessage.ProposalReceived} reports, by the RFC 9420
 * ProposalType registry (Section 17.4), so that an application can react to, say, a member
 * proposing its own removal without handling raw registry numbers.
 */
public enum ProposalKind {
    ADD(ProposalType.ADD),
    UPDATE(ProposalType.UPDATE),
    REMOVE(ProposalType.REMOVE),
    PSK(ProposalType.PSK),
    REINIT(ProposalType.REINIT),
    EXTERNAL_INIT(ProposalType.EXTERNAL_INIT),
    GROUP_CONTEXT_EXTENSIONS(ProposalType.GROUP_CONTEXT_EXTENSIONS),
    /** A proposal type outside the default ones (an extension's). */
    OTHER(-1);

    private final int proposalType;

    ProposalKind(int proposalType) {
        this.proposalType = proposalType;
    }

    /** The kind of {@code proposal}. */
    public static ProposalKind of(ProcessedMessage.ProposalReceived proposal) {
        for (ProposalKind kind : values()) {
            if (kind.proposalType == proposal.proposalType()) {
                return kind;
            }
        }
        return OTHER;
    }
}
