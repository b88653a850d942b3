package org.parley.server.testing;

import org.parley.protocol.MailboxSeal;

/** Mailbox key pairs for tests' devices (org.parley.protocol.MailboxSeal). */
public final class MailboxKeys {
    private MailboxKeys() {
    }

    /** A fresh device's mailbox public key, for tests that never open what is sealed to it. */
    public static byte[] mailboxKey() {
        return MailboxSeal.generateKeyPair()[1];
    }
}
