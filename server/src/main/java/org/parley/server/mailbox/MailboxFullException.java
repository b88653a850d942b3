package org.parley.server.mailbox;

import org.parley.server.accounts.DeviceId;

/** Storing a delivery would take a device's mailbox over its message or byte quota. */
public final class MailboxFullException extends MailboxException {
    public MailboxFullException(DeviceId recipient, MailboxUsage usage, MailboxLimits limits) {
        super(recipient, "the mailbox of device " + recipient + " is full (" + usage.messages() + " of "
                + limits.maxMessages() + " messages, " + usage.bytes() + " of " + limits.maxBytes()
                + " bytes): nothing was stored; retry after the device has fetched its mail");
    }
}
