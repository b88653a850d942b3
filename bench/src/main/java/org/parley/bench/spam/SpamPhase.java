package org.parley.bench.spam;

/** The phases of a spam wave, in order. */
enum SpamPhase {
    /** Honest users only: the baseline. */
    CALM("calm"),
    /** Every bot floods the honest users unsealed: first contact, which any account may attempt. */
    UNSEALED_WAVE("unsealed wave"),
    /** The old-contact bots flood sealed with the honest users' access keys and tokens; the others go on unsealed. */
    SEALED_WAVE("sealed wave"),
    /** The honest users have blocked: rotated their access keys (SetAccessKey) and refused unsealed sends (SetDeliveryPolicy). */
    BLOCKED("after blocking");

    final String label;

    SpamPhase(String label) {
        this.label = label;
    }
}
