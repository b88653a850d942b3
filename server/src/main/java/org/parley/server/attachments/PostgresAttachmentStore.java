package org.parley.server.attachments;

import org.parley.server.storage.Database;
import org.parley.server.storage.UtcDays;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.parley.server.storage.Sql.update;

/**
 * {@link AttachmentStore} with the ciphertext in PostgreSQL itself, in rows of table
 * {@code attachment_chunks} of at most {@link #CHUNK_BYTES} each, for nodes that share the
 * database: an attachment uploaded to one node is downloaded from any other, and no node's disk
 * holds one. An upload collects one chunk in memory at a time and stores it as soon as it is
 * full; a download reads one chunk per query as the client takes it. The attachment becomes
 * visible when its {@code attachments} row is committed, after all its chunks; chunks without a
 * row (an upload that failed or whose node died) are deleted once a day old.
 */
public final class PostgresAttachmentStore implements AttachmentStore {
    /** Bytes per stored chunk: big enough that a 100 MiB attachment is 400 rows, small enough to hold one per upload. */
    public static final int CHUNK_BYTES = 256 * 1024;

    private final Database database;
    private final AttachmentRows rows;
    private final Clock clock;
    private final long maxBytes;

    public PostgresAttachmentStore(Database database, Clock clock, long maxBytes) {
        this.database = database;
        this.rows = new AttachmentRows(database, clock);
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public Upload begin(long limit) {
        return new ChunkedUpload(AttachmentId.random(), Math.min(limit, maxBytes));
    }

    /** Fills one chunk buffer and stores each full chunk as its own row. */
    private final class ChunkedUpload implements Upload {
        private final AttachmentId id;
        private final long limit;
        private final long day = UtcDays.today(clock);
        private byte[] buffer = new byte[CHUNK_BYTES];
        private int buffered;
        private int chunks;
        private long size;
        private boolean finished;

        ChunkedUpload(AttachmentId id, long limit) {
            this.id = id;
            this.limit = limit;
        }

        @Override
        public void write(ByteBuffer chunk) {
            if (size + chunk.remaining() > limit) {
                throw new AttachmentTooLargeException(limit);
            }
            size += chunk.remaining();
            while (chunk.hasRemaining()) {
                int take = Math.min(chunk.remaining(), CHUNK_BYTES - buffered);
                chunk.get(buffer, buffered, take);
                buffered += take;
                if (buffered == CHUNK_BYTES) {
                    storeBuffered();
                }
            }
        }

        /** Not waiting for the disk: the commit of the attachment's row waits for it, and for every chunk before it. */
        private void storeBuffered() {
            byte[] data = buffered == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, buffered);
            int seq = chunks;
            database.writeWithoutSync(connection -> update(connection,
                    "INSERT INTO attachment_chunks (attachment_id, seq, data, created_day) VALUES (?, ?, ?, ?)", id.bytes(), seq, data, day));
            chunks++;
            buffered = 0;
        }

        @Override
        public AttachmentRecord finish() {
            if (buffered > 0) {
                storeBuffered();
            }
            buffer = null;
            AttachmentRecord record = database.write(connection -> rows.insert(connection, id, size));
            finished = true;
            return record;
        }

        @Override
        public void abandon() {
            if (finished) {
                return;
            }
            buffer = null;
            buffered = 0;
            if (chunks > 0) {
                // Should this fail, the chunks are left without a row and deleted after a day.
                database.writeWithoutSync(connection -> update(connection, "DELETE FROM attachment_chunks WHERE attachment_id = ?", id.bytes()));
                chunks = 0;
            }
        }
    }

    @Override
    public Optional<AttachmentRecord> record(AttachmentId id) {
        return rows.find(id);
    }

    @Override
    public Optional<InputStream> open(AttachmentId id) {
        return record(id).map(record -> new ChunkStream(id));
    }

    /** Reads the chunks in order, one query each, when the reader has used up the previous one. */
    private final class ChunkStream extends InputStream {
        private final AttachmentId id;
        private byte[] chunk = new byte[0];
        private int position;
        private int next;
        private boolean ended;

        ChunkStream(AttachmentId id) {
            this.id = id;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position == chunk.length) {
                if (ended || !fetchNext()) {
                    ended = true;
                    return -1;
                }
            }
            int count = Math.min(length, chunk.length - position);
            System.arraycopy(chunk, position, target, offset, count);
            position += count;
            return count;
        }

        @Override
        public int available() {
            return chunk.length - position;
        }

        private boolean fetchNext() throws IOException {
            int seq = next;
            byte[] data;
            try {
                data = database.read(connection -> {
                    try (PreparedStatement select = connection.prepareStatement(
                            "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?")) {
                        select.setBytes(1, id.bytes());
                        select.setInt(2, seq);
                        try (ResultSet row = select.executeQuery()) {
                            return row.next() ? row.getBytes(1) : null;
                        }
                    }
                });
            } catch (RuntimeException e) {
                throw new IOException("reading attachment chunk " + seq + " failed: " + e.getMessage(), e);
            }
            if (data == null) {
                return false;
            }
            chunk = data;
            position = 0;
            next++;
            return true;
        }
    }

    /**
     * Moves the attachments a node kept as files in {@code directory} (before schema version 8, or
     * restored from a backup of that time) into the database and deletes the files, so that every
     * node serves them; files without a row and unfinished uploads are deleted. Run at start; an
     * import interrupted half-way is finished by the next start (each chunk is written once).
     *
     * @return how many attachments were moved
     */
    public int importFiles(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> listed = Files.list(directory)) {
            files = listed.toList();
        }
        int moved = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            Optional<AttachmentId> id = AttachmentId.tryParse(name);
            if (id.isPresent() && record(id.get()).isPresent()) {
                importFile(id.get(), file);
                moved++;
            } else if (id.isEmpty() && !name.startsWith("upload-")) {
                continue; // not ours to delete
            }
            Files.delete(file);
        }
        return moved;
    }

    private void importFile(AttachmentId id, Path file) throws IOException {
        long day = UtcDays.today(clock);
        try (InputStream in = Files.newInputStream(file)) {
            for (int seq = 0; ; seq++) {
                byte[] data = in.readNBytes(CHUNK_BYTES);
                if (data.length == 0) {
                    break;
                }
                int chunk = seq;
                database.write(connection -> update(connection, "INSERT INTO attachment_chunks (attachment_id, seq, data, created_day) "
                        + "VALUES (?, ?, ?, ?) ON CONFLICT (attachment_id, seq) DO NOTHING", id.bytes(), chunk, data, day));
            }
        }
    }

    @Override
    public boolean delete(AttachmentId id) {
        return database.write(connection -> {
            update(connection, "DELETE FROM attachment_chunks WHERE attachment_id = ?", id.bytes());
            return rows.delete(connection, id);
        });
    }

    @Override
    public int deleteExpired(int retentionDays) {
        int deleted = 0;
        for (AttachmentId id : rows.expired(retentionDays)) {
            if (delete(id)) {
                deleted++;
            }
        }
        long orphanBefore = UtcDays.today(clock) - 1;
        database.write(connection -> update(connection, "DELETE FROM attachment_chunks c WHERE c.created_day < ? AND NOT EXISTS "
                + "(SELECT 1 FROM attachments a WHERE a.attachment_id = c.attachment_id)", orphanBefore));
        return deleted;
    }
}
