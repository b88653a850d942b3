package org.parley.server.mailbox;

import org.parley.server.storage.StoreRejectedException;

/** A payload over {@link MailboxStore#MAX_PAYLOAD_BYTES}. */
public final class EnvelopeTooLargeException extends StoreRejectedException {
    public EnvelopeTooLargeException(int size) {
        super("a message payload of " + size + " bytes is over the limit of " + MailboxStore.MAX_PAYLOAD_BYTES
                + " bytes: send large content as an attachment");
    }
}
