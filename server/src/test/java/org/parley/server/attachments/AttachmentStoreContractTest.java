package org.parley.server.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.testing.Backend;
import org.parley.server.testing.DatabaseDump;
import org.parley.server.testing.StoreContract;

class AttachmentStoreContractTest extends StoreContract {

    /** A stream of {@code size} pseudo-random bytes that never holds them all in memory. */
    private static InputStream generated(long size, long seed) {
        Random random = new Random(seed);
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                left--;
                return random.nextInt(256);
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = (byte) random.nextInt(256);
                }
                left -= n;
                return n;
            }
        };
    }

    private Path attachmentDirectory() {
        return harness.config().attachmentDirectory();
    }

    private long filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.count();
        }
    }

    /**
     * What holds blob bytes: files in the attachment directory on SQLite; on PostgreSQL, where
     * nodes share the database, rows of attachment chunks (and no directory at all).
     */
    private long blobPieces(Backend backend) throws IOException {
        if (backend == Backend.SQLITE) {
            return filesIn(attachmentDirectory());
        }
        assertThat(attachmentDirectory()).as("no node's disk holds attachments").doesNotExist();
        return DatabaseDump.of(harness.config().url()).stream().filter(row -> row.table().equals("attachment_chunks")).count();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void blobsStreamInAndOutUnchanged(Backend backend) throws IOException {
        ServerStores store = open(backend);
        long size = 5L * 1024 * 1024 + 123;
        AttachmentRecord record = store.attachments().store(generated(size, 1));
        assertThat(record.size()).isEqualTo(size);
        assertThat(record.created()).isEqualTo(LocalDate.of(2026, 3, 1));
        assertThat(store.attachments().record(record.id())).contains(record);
        try (InputStream in = store.attachments().open(record.id()).orElseThrow(); InputStream expected = generated(size, 1)) {
            assertThat(in).hasSameContentAs(expected);
        }
        if (backend == Backend.SQLITE) {
            assertThat(attachmentDirectory().resolve(record.id().hex())).exists();
        }
        long pieces = backend == Backend.SQLITE ? 1 : (size + PostgresAttachmentStore.CHUNK_BYTES - 1) / PostgresAttachmentStore.CHUNK_BYTES;
        assertThat(blobPieces(backend)).as("nothing temporary left").isEqualTo(pieces);
        assertThat(store.admin().stats().attachmentBytes()).isEqualTo(size);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void anUploadOverTheLimitKeepsNothing(Backend backend) throws IOException {
        ServerStores store = open(backend, config -> config.withAttachmentMaxBytes(1000));
        assertThat(store.attachments().maxBytes()).isEqualTo(1000);
        assertThat(store.attachments().store(generated(1000, 2)).size()).isEqualTo(1000);

        InputStream endless = generated(Long.MAX_VALUE, 3);
        assertThatThrownBy(() -> store.attachments().store(endless))
                .isInstanceOf(AttachmentTooLargeException.class).hasMessageContaining("1000 bytes");
        assertThat(blobPieces(backend)).isEqualTo(1);
        assertThat(store.admin().stats().attachments()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aFailingUploadStreamKeepsNothing(Backend backend) throws IOException {
        ServerStores store = open(backend);
        InputStream broken = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ > 3 * PostgresAttachmentStore.CHUNK_BYTES) { // after some chunks are stored
                    throw new IOException("connection reset");
                }
                return 1;
            }
        };
        assertThatThrownBy(() -> store.attachments().store(broken)).isInstanceOf(IOException.class);
        assertThat(blobPieces(backend)).isZero();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void attachmentsCanBeDeletedAndExpireAfterThirtyDays(Backend backend) throws IOException {
        ServerStores store = open(backend);
        AttachmentRecord old = store.attachments().store(new ByteArrayInputStream(new byte[] {1}));
        harness.clock.advance(Duration.ofDays(10));
        AttachmentRecord newer = store.attachments().store(new ByteArrayInputStream(new byte[] {2}));
        AttachmentRecord deleted = store.attachments().store(new ByteArrayInputStream(new byte[] {3}));
        assertThat(store.attachments().delete(deleted.id())).isTrue();
        assertThat(store.attachments().delete(deleted.id())).isFalse();
        assertThat(store.attachments().open(deleted.id())).isEmpty();

        harness.clock.advance(Duration.ofDays(21));
        assertThat(store.attachments().deleteExpired(30)).isEqualTo(1);
        assertThat(store.attachments().open(old.id())).isEmpty();
        assertThat(store.attachments().record(newer.id())).isPresent();
        assertThat(blobPieces(backend)).as("the blob of the newer one only").isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void filesLeftByACrashAreRemovedOnceADayOld(Backend backend) throws IOException {
        ServerStores store = open(backend);
        if (backend == Backend.POSTGRESQL) {
            // The node died mid-upload: chunks stored, never finished nor abandoned.
            AttachmentStore.Upload interrupted = store.attachments().begin(store.attachments().maxBytes());
            interrupted.write(java.nio.ByteBuffer.wrap(new byte[2 * PostgresAttachmentStore.CHUNK_BYTES]));
            AttachmentRecord kept = store.attachments().store(new ByteArrayInputStream(new byte[] {4}));
            assertThat(blobPieces(backend)).isEqualTo(3);
            store.attachments().deleteExpired(30);
            assertThat(blobPieces(backend)).as("less than a day old: maybe still uploading").isEqualTo(3);
            harness.clock.advance(Duration.ofDays(2));
            store.attachments().deleteExpired(30);
            assertThat(blobPieces(backend)).isEqualTo(1);
            assertThat(store.attachments().open(kept.id())).isPresent();
            return;
        }
        Path interrupted = Files.write(attachmentDirectory().resolve("upload-123.tmp"), new byte[] {1});
        Path unregistered = Files.write(attachmentDirectory().resolve(AttachmentId.random().hex()), new byte[] {2});
        Path foreign = Files.write(attachmentDirectory().resolve("README"), new byte[] {3});
        AttachmentRecord kept = store.attachments().store(new ByteArrayInputStream(new byte[] {4}));
        for (Path path : new Path[] {interrupted, unregistered, foreign, attachmentDirectory().resolve(kept.id().hex())}) {
            Files.setLastModifiedTime(path, FileTime.from(harness.clock.instant().minus(Duration.ofDays(2))));
        }
        store.attachments().deleteExpired(30);
        assertThat(interrupted).doesNotExist();
        assertThat(unregistered).doesNotExist();
        assertThat(foreign).as("not ours to delete").exists();
        assertThat(store.attachments().open(kept.id())).isPresent();
    }

    /** Only nodes sharing PostgreSQL keep attachments in the database, so this has no SQLite case. */
    @Test
    void attachmentsANodeKeptAsFilesMoveIntoASharedDatabaseAtStart() throws IOException {
        ServerStores store = open(Backend.POSTGRESQL); // skips with a visible reason without PostgreSQL
        // As a node before schema version 8 stored them: a file in its data folder, a row in the database.
        long size = 3L * PostgresAttachmentStore.CHUNK_BYTES + 7;
        AttachmentRecord legacy = new FileAttachmentStore(store.database(), attachmentDirectory(), harness.clock, store.attachments().maxBytes())
                .store(generated(size, 9));
        Files.write(attachmentDirectory().resolve("upload-1.tmp"), new byte[] {1});
        Files.write(attachmentDirectory().resolve("README"), new byte[] {2});

        try (ServerStores restarted = harness.openAnother()) {
            try (InputStream in = restarted.attachments().open(legacy.id()).orElseThrow(); InputStream expected = generated(size, 9)) {
                assertThat(in).hasSameContentAs(expected);
            }
        }
        try (Stream<Path> left = Files.list(attachmentDirectory())) {
            assertThat(left.map(path -> path.getFileName().toString())).as("only what is not Parley's stays").containsExactly("README");
        }
        assertThat(((PostgresAttachmentStore) store.attachments()).importFiles(attachmentDirectory())).as("moved once").isZero();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void hostileIdsNeverBecomePaths(Backend backend) {
        open(backend);
        for (String hostile : new String[] {"../../etc/passwd", "ABCDEF00112233445566778899aabbcc", "00", "", "0".repeat(33)}) {
            assertThatThrownBy(() -> AttachmentId.parse(hostile)).isInstanceOf(IllegalArgumentException.class);
        }
        AttachmentId id = AttachmentId.random();
        assertThat(AttachmentId.parse(id.hex())).isEqualTo(id);
    }
}
