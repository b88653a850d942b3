package org.parley.server.backup;

/** A backup could not be made or restored; the message is one line meant for the operator. */
public final class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
