package org.parley.server.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.parley.server.storage.Database;
import org.parley.server.storage.StoreException;

/** {@link AttachmentStore} with blobs as files in one directory and their rows in SQLite or PostgreSQL. */
public final class FileAttachmentStore implements AttachmentStore {
    private static final String TEMP_PREFIX = "upload-";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final Duration ORPHAN_AGE = Duration.ofDays(1);

    private final Database database;
    private final AttachmentRows rows;
    private final Path directory;
    private final Clock clock;
    private final long maxBytes;

    public FileAttachmentStore(Database database, Path directory, Clock clock, long maxBytes) {
        this.database = database;
        this.rows = new AttachmentRows(database, clock);
        this.directory = directory;
        this.clock = clock;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StoreException("cannot create the attachment directory " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public Upload begin(long limit) throws IOException {
        Path temp = Files.createTempFile(directory, TEMP_PREFIX, TEMP_SUFFIX);
        try {
            return new FileUpload(temp, FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                    Math.min(limit, maxBytes));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Writes into a temporary file in the attachment directory; {@link #finish()} renames it into place. */
    private final class FileUpload implements Upload {
        private final Path temp;
        private final FileChannel channel;
        private final long limit;
        private long size;
        private boolean finished;

        FileUpload(Path temp, FileChannel channel, long limit) {
            this.temp = temp;
            this.channel = channel;
            this.limit = limit;
        }

        @Override
        public void write(ByteBuffer chunk) throws IOException {
            if (size + chunk.remaining() > limit) {
                throw new AttachmentTooLargeException(limit);
            }
            size += chunk.remaining();
            while (chunk.hasRemaining()) {
                channel.write(chunk);
            }
        }

        @Override
        public AttachmentRecord finish() throws IOException {
            channel.force(true);
            channel.close();
            AttachmentId id = AttachmentId.random();
            Path target = file(id);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
            AttachmentRecord record;
            try {
                record = database.write(connection -> rows.insert(connection, id, size));
            } catch (RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            finished = true;
            return record;
        }

        @Override
        public void abandon() {
            if (finished) {
                return;
            }
            try {
                channel.close();
            } catch (IOException e) {
                // closing only releases the descriptor; the file goes next either way
            }
            deleteFile(temp);
        }
    }

    /** Makes the rename itself durable (on Linux a directory can be opened and forced). */
    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory; the rename is then as durable as the OS makes it.
        }
    }

    private Path file(AttachmentId id) {
        return directory.resolve(id.hex());
    }

    @Override
    public Optional<AttachmentRecord> record(AttachmentId id) {
        return rows.find(id);
    }

    @Override
    public Optional<InputStream> open(AttachmentId id) throws IOException {
        if (record(id).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Files.newInputStream(file(id)));
    }

    @Override
    public boolean delete(AttachmentId id) {
        boolean existed = database.write(connection -> rows.delete(connection, id));
        deleteFile(file(id));
        return existed;
    }

    @Override
    public int deleteExpired(int retentionDays) {
        int deleted = 0;
        for (AttachmentId id : rows.expired(retentionDays)) {
            if (delete(id)) {
                deleted++;
            }
        }
        deleteOrphans();
        return deleted;
    }

    /** Removes day-old files that have no row: interrupted uploads and blobs whose insert failed. */
    private void deleteOrphans() {
        Instant cutoff = clock.instant().minus(ORPHAN_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path path : files) {
                if (Files.getLastModifiedTime(path).toInstant().isAfter(cutoff)) {
                    continue;
                }
                String name = path.getFileName().toString();
                boolean orphanBlob = AttachmentId.tryParse(name).map(id -> record(id).isEmpty()).orElse(false);
                boolean staleUpload = name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
                if (orphanBlob || staleUpload) {
                    deleteFile(path);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list the attachment directory " + directory + ": " + e.getMessage(), e);
        }
    }

    private static void deleteFile(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + path + ": " + e.getMessage(), e);
        }
    }
}
