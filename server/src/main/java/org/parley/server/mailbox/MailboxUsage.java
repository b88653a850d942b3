package org.parley.server.mailbox;

/** How many messages and payload bytes wait in a mailbox (or in all mailboxes of an account). */
public record MailboxUsage(long messages, long bytes) {
    public static final MailboxUsage EMPTY = new MailboxUsage(0, 0);
}
