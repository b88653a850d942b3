package org.parley.server.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Opaque encrypted blobs (ARCHITECTURE.md, "Attachments"), one file per attachment in the data
 * folder's {@code attachments} directory, named by a random id, with its size and upload day in
 * the database. The client encrypts; the server never sees a key.
 *
 * <p>Writes stream through a temporary file in the same directory, fsynced and renamed
 * atomically into place before the database row is committed, so a reader never sees a partial
 * blob and a crash leaves at most an orphan file without a row (removed by {@link #deleteExpired}
 * once it is a day old).
 */
public interface AttachmentStore {

    /** Default upload limit: 100 MiB. */
    long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;

    /** Attachments older than this are deleted, fetched or not. */

    /**
     * Streams {@code content} to a new attachment, reading at most the configured limit plus one
     * byte. Does not close {@code content}.
     *
     * @throws AttachmentTooLargeException if the stream is longer than the limit (nothing kept)
     * @throws IOException if reading {@code content} fails (nothing kept)
     * @throws org.parley.server.storage.StoreException if the disk or the database fails
     */
    AttachmentRecord store(InputStream content) throws IOException;

    /** The configured upload limit in bytes. */
    long maxBytes();

    Optional<AttachmentRecord> record(AttachmentId id);

    /** Opens the blob for reading; the caller closes the stream. Empty if there is no such attachment. */
    Optional<InputStream> open(AttachmentId id) throws IOException;

    /** @return false if there was no such attachment */
    boolean delete(AttachmentId id);

    /**
     * Deletes attachments uploaded more than {@code retentionDays} days ago (counted in whole days),
     * and files left without a database row by a crash. @return how many attachments
     */
    int deleteExpired(int retentionDays);
}
