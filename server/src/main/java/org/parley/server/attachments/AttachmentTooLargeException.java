package org.parley.server.attachments;

import org.parley.server.storage.StoreRejectedException;

/** An upload that went past the size limit; nothing of it was kept. */
public final class AttachmentTooLargeException extends StoreRejectedException {
    public AttachmentTooLargeException(long maxBytes) {
        super("the attachment is larger than the limit of " + maxBytes + " bytes: nothing was stored");
    }
}
