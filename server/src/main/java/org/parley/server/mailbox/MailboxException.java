package org.parley.server.mailbox;

import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.StoreRejectedException;

/** A delivery that cannot be stored because of one recipient's mailbox. */
public abstract sealed class MailboxException extends StoreRejectedException permits MailboxFullException {
    private final DeviceId recipient;

    protected MailboxException(DeviceId recipient, String message) {
        super(message);
        this.recipient = recipient;
    }

    /** The device whose mailbox refused the delivery. */
    public DeviceId recipient() {
        return recipient;
    }
}
