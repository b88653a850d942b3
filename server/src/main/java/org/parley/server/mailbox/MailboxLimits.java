package org.parley.server.mailbox;

import java.time.Duration;

/**
 * Per-device mailbox quota and how long undelivered mail is kept.
 *
 * @param maxMessages messages a device's mailbox may hold
 * @param maxBytes payload bytes a device's mailbox may hold
 * @param retention undelivered mail older than this is deleted by {@link MailboxStore#deleteExpired()}
 */
public record MailboxLimits(long maxMessages, long maxBytes, Duration retention) {
    /** 10,000 messages, 256 MiB, 30 days. */
    public static final MailboxLimits DEFAULT = new MailboxLimits(10_000, 256L * 1024 * 1024, Duration.ofDays(30));

    public MailboxLimits {
        if (maxMessages < 1 || maxBytes < MailboxStore.MAX_PAYLOAD_BYTES || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("mailbox limits must allow at least one message of "
                    + MailboxStore.MAX_PAYLOAD_BYTES + " bytes and a positive retention");
        }
    }
}
