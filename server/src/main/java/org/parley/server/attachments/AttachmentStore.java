package org.parley.server.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Opaque encrypted blobs (ARCHITECTURE.md, "Attachments") under a random id, with their size and
 * upload day in the database. The client encrypts; the server never sees a key. A single node
 * (SQLite) keeps the blobs as files in the data folder ({@link FileAttachmentStore}); nodes that
 * share PostgreSQL keep them in it, in chunks ({@link PostgresAttachmentStore}).
 *
 * <p>Either way an upload is written piece by piece as it arrives and becomes visible only when
 * complete: a reader never sees a partial blob, and a crash leaves at most an orphan without a row
 * (removed by {@link #deleteExpired} once it is a day old).
 */
public interface AttachmentStore {

    /** Default upload limit: 100 MiB. */
    long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;

    /**
     * Streams {@code content} to a new attachment, reading at most the configured limit plus one
     * byte. Does not close {@code content}.
     *
     * @throws AttachmentTooLargeException if the stream is longer than the limit (nothing kept)
     * @throws IOException if reading {@code content} fails (nothing kept)
     * @throws org.parley.server.storage.StoreException if the disk or the database fails
     */
    default AttachmentRecord store(InputStream content) throws IOException {
        Upload upload = begin(maxBytes());
        try {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = content.read(buffer)) > 0) {
                upload.write(ByteBuffer.wrap(buffer, 0, read));
            }
            return upload.finish();
        } finally {
            upload.abandon();
        }
    }

    /**
     * Starts a new attachment that is written piece by piece as its bytes arrive (an HTTP upload
     * writes each chunk on a worker thread and returns the thread between chunks).
     *
     * @param limit the most bytes this upload may have: the configured limit or less (a quota)
     * @throws IOException if the temporary file cannot be created
     */
    Upload begin(long limit) throws IOException;

    /**
     * An attachment being written: invisible until {@link #finish()}. Not thread-safe: one thread
     * at a time (calls may come from different threads in turn).
     */
    interface Upload {
        /**
         * Appends the chunk's remaining bytes.
         *
         * @throws AttachmentTooLargeException if the attachment would pass its limit (call {@link #abandon()})
         */
        void write(ByteBuffer chunk) throws IOException;

        /** Forces the bytes to disk, moves the blob into place and records it. */
        AttachmentRecord finish() throws IOException;

        /** Deletes what was written, unless {@link #finish()} succeeded; safe to call more than once. */
        void abandon();
    }

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
