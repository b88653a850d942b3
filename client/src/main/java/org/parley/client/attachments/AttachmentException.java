package org.parley.client.attachments;

/** An attachment could not be uploaded, downloaded or verified; the message says which and why. */
public final class AttachmentException extends RuntimeException {
    public AttachmentException(String message) {
        super(message);
    }

    public AttachmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
