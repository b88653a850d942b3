package org.parley.server.mailbox;

import org.parley.server.accounts.DeviceId;

/** A delivery named a recipient device that does not exist (for example one that was removed). */
public final class UnknownRecipientException extends MailboxException {
    public UnknownRecipientException(DeviceId recipient) {
        super(recipient, "no device " + recipient + " on this server: nothing was stored; refresh the group's devices");
    }
}
