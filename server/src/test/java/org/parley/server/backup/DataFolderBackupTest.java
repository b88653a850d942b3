package org.parley.server.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.attachments.AttachmentRecord;
import org.parley.server.attachments.AttachmentStore;
import org.parley.server.identity.ServerKey;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.Envelope;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.storage.StoreUrl;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

/** Backups of a data folder while it is in use, and restores of good, wrong and hostile files. */
class DataFolderBackupTest extends StoreContract {
    private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
    /** Cheap on purpose: these tests are about the format, not the KDF's cost (one test uses the default). */
    private static final KdfParameters FAST = new KdfParameters(1024, 1, 1);
    private final DataFolderBackup backups = new DataFolderBackup(new SecureRandom(), FAST);

    @Test
    void aBackupTakenUnderLoadRestoresEveryAcknowledgedMessageAndAttachment() throws Exception {
        ServerStores store = open(Backend.SQLITE);
        Registration alice = register(store, "alice");
        store.serverKey(new SecureRandom());
        DeviceId device = alice.device();
        AttachmentRecord attachment = upload(store.attachments(), "a photo".repeat(20_000));
        List<Long> acknowledgedBefore = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            acknowledgedBefore.add(send(store, device, "before " + i));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        List<Long> sentDuring = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int thread = t;
            Thread sender = new Thread(() -> {
                // At most 2,000 each, so that the mailbox stays under its 10,000-message quota.
                for (int i = 0; running.get() && i < 2_000; i++) {
                    sentDuring.add(send(store, device, "during " + thread + " " + i));
                }
            });
            sender.start();
            senders.add(sender);
        }
        Path file = tempDir.resolve("parley.backup");
        DataFolderBackup.Summary made;
        try {
            made = backups.backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE);
        } finally {
            running.set(false);
            for (Thread sender : senders) {
                sender.join();
            }
        }
        assertThat(made).isEqualTo(new DataFolderBackup.Summary(true, 1, 0));
        assertThat(sentDuring).as("the senders were not blocked by the backup").isNotEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as("encrypted").doesNotContain("before 1", "a photo");

        Path restored = tempDir.resolve("restored");
        assertThat(DataFolderBackup.restore(file, PASSPHRASE, restored)).isEqualTo(new DataFolderBackup.Summary(true, 1, 0));
        assertThat(Files.readAllBytes(restored.resolve(ServerKey.FILE_NAME))).isEqualTo(Files.readAllBytes(tempDir.resolve(ServerKey.FILE_NAME)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(restored.resolve(ServerKey.FILE_NAME)))).isEqualTo("rw-------");
        try (ServerStores reopened = ServerStores.openExisting(StoreConfig.forDataDirectory(restored, null))) {
            List<Envelope> mail = reopened.mailbox().pending(device, 0, 100_000);
            assertThat(mail).extracting(Envelope::id).containsAll(acknowledgedBefore);
            assertThat(mail.get(0).payload().toStringUtf8()).isEqualTo("before 0");
            for (int thread = 0; thread < senders.size(); thread++) {
                String prefix = "during " + thread + " ";
                List<Integer> numbers = mail.stream().map(envelope -> envelope.payload().toStringUtf8())
                        .filter(text -> text.startsWith(prefix)).map(text -> Integer.parseInt(text.substring(prefix.length()))).toList();
                assertThat(numbers).as("a consistent snapshot holds a prefix of what each sender sent meanwhile")
                        .isEqualTo(java.util.stream.IntStream.range(0, numbers.size()).boxed().toList());
            }
            assertThat(reopened.accounts().findByUsername(Username.parse("alice"))).isPresent();
            try (InputStream in = reopened.attachments().open(attachment.id()).orElseThrow()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a photo".repeat(20_000));
            }
        }
    }

    @Test
    void anAttachmentDeletedAfterTheSnapshotLeavesNoDanglingRow() throws Exception {
        ServerStores store = open(Backend.SQLITE);
        AttachmentRecord kept = upload(store.attachments(), "kept");
        AttachmentRecord gone = upload(store.attachments(), "gone");
        // As if expiry deleted the file between the snapshot and its copy: the row is still in the snapshot.
        Files.delete(harness.config().attachmentDirectory().resolve(gone.id().hex()));
        Path file = tempDir.resolve("b");
        assertThat(backups.backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE)).isEqualTo(new DataFolderBackup.Summary(true, 1, 1));
        Path restored = tempDir.resolve("restored");
        DataFolderBackup.restore(file, PASSPHRASE, restored);
        try (ServerStores reopened = ServerStores.openExisting(StoreConfig.forDataDirectory(restored, null))) {
            assertThat(reopened.attachments().record(kept.id())).isPresent();
            assertThat(reopened.attachments().record(gone.id())).isEmpty();
        }
    }

    @Test
    void theDefaultKeyDerivationRoundTrips() throws IOException {
        open(Backend.SQLITE);
        Path file = tempDir.resolve("b");
        new DataFolderBackup(new SecureRandom(), KdfParameters.DEFAULT).backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE);
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file), SealedStream.MAGIC.length + 2, 9);
        assertThat(new KdfParameters(header.getInt(), header.getInt(), header.get())).isEqualTo(KdfParameters.DEFAULT);
        assertThat(DataFolderBackup.restore(file, PASSPHRASE, tempDir.resolve("restored")).database()).isTrue();
    }

    @Test
    void aWrongPassphraseIsOneLineAndWritesNothing() throws IOException {
        Path file = backupOfOneAccount();
        Path target = tempDir.resolve("restored");
        assertRefused(file, "wrong passphrase".toCharArray(), target, "wrong passphrase for this backup (or its header is damaged)");
    }

    @Test
    void everyFlippedByteIsDetected() throws IOException {
        byte[] good = Files.readAllBytes(backupOfOneAccount());
        Path damaged = tempDir.resolve("damaged");
        // In the header's parameters, salt, prefix and key check, and in the first and last chunks.
        int[] positions = {8, 9, 12, 18, 20, 40, SealedStream.HEADER_BYTES - 1, SealedStream.HEADER_BYTES, SealedStream.HEADER_BYTES + 70_000,
                good.length - 1};
        for (int position : positions) {
            byte[] bytes = good.clone();
            bytes[position] ^= 0x01;
            Files.write(damaged, bytes);
            assertRefused(damaged, PASSPHRASE, tempDir.resolve("restored"), null);
        }
    }

    @Test
    void aTruncatedFileIsDetectedWhereverItIsCut() throws IOException {
        byte[] good = Files.readAllBytes(backupOfOneAccount());
        int chunk = SealedStream.CHUNK_BYTES + 16;
        assertThat(good.length).as("several chunks").isGreaterThan(SealedStream.HEADER_BYTES + 2 * chunk);
        Path cut = tempDir.resolve("cut");
        for (int length : new int[] {0, 5, SealedStream.HEADER_BYTES - 1, SealedStream.HEADER_BYTES, SealedStream.HEADER_BYTES + 100,
                SealedStream.HEADER_BYTES + chunk, SealedStream.HEADER_BYTES + 2 * chunk, good.length - 1}) {
            Files.write(cut, java.util.Arrays.copyOf(good, length));
            assertRefused(cut, PASSPHRASE, tempDir.resolve("restored"), null);
        }
    }

    @Test
    void reorderedOrRepeatedChunksAreDetected() throws IOException {
        byte[] good = Files.readAllBytes(backupOfOneAccount());
        int chunk = SealedStream.CHUNK_BYTES + 16;
        int first = SealedStream.HEADER_BYTES;
        byte[] swapped = good.clone();
        System.arraycopy(good, first + chunk, swapped, first, chunk);
        System.arraycopy(good, first, swapped, first + chunk, chunk);
        Path file = tempDir.resolve("swapped");
        Files.write(file, swapped);
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "damaged or truncated (its chunk 0");
        byte[] repeated = good.clone();
        System.arraycopy(good, first, repeated, first + chunk, chunk);
        Files.write(file, repeated);
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "damaged or truncated (its chunk 1");
    }

    @Test
    void anOversizedOrForeignHeaderIsRefusedBeforeAnyWork() throws IOException {
        byte[] good = Files.readAllBytes(backupOfOneAccount());
        Path file = tempDir.resolve("hostile");
        byte[] hugeMemory = good.clone();
        ByteBuffer.wrap(hugeMemory).putInt(SealedStream.MAGIC.length + 2, 0xFFFFFFFF);
        Files.write(file, hugeMemory);
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "key derivation parameters are out of range (Argon2id memory 4294967295 KiB");
        byte[] manyPasses = good.clone();
        ByteBuffer.wrap(manyPasses).putInt(SealedStream.MAGIC.length + 6, Integer.MAX_VALUE);
        Files.write(file, manyPasses);
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "out of range");
        byte[] newerVersion = good.clone();
        newerVersion[SealedStream.MAGIC.length] = 2;
        Files.write(file, newerVersion);
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "backup format version 2 is not known");
        Files.write(file, "SQLite format 3\0 and more bytes than a header".getBytes(StandardCharsets.US_ASCII));
        assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), "not a Parley backup file");
    }

    @Test
    void aNonEmptyTargetIsRefused() throws IOException {
        Path file = backupOfOneAccount();
        Path target = Files.createDirectories(tempDir.resolve("occupied"));
        Files.writeString(target.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> DataFolderBackup.restore(file, PASSPHRASE, target)).isInstanceOf(BackupException.class)
                .hasMessage(target + " is not an empty folder: restore into a new or empty one (nothing was written)");
        try (var entries = Files.list(target)) {
            assertThat(entries.toList()).containsExactly(target.resolve("notes.txt"));
        }
        Path empty = Files.createDirectories(tempDir.resolve("empty"));
        assertThat(DataFolderBackup.restore(file, PASSPHRASE, empty).database()).as("an empty folder is fine").isTrue();
    }

    @Test
    void anExistingBackupFileIsNeverOverwritten() throws IOException {
        open(Backend.SQLITE);
        Path file = Files.writeString(tempDir.resolve("taken"), "older backup");
        assertThatThrownBy(() -> backups.backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE)).hasMessageContaining("exists already");
        assertThat(Files.readString(file)).isEqualTo("older backup");
    }

    /** Correctly encrypted content that names files no backup has, or breaks the entry layout. */
    @Test
    void hostileContentUnderTheRightPassphraseIsRefusedAndWritesNothing() throws IOException {
        List<byte[]> hostile = List.of(
                entry("../escaped", 4),
                entry("attachments/../../escaped", 4),
                entry("/etc/passwd", 4),
                entry("attachments/" + "A".repeat(32), 4),
                concat(entry("server-key", 4), entry("server-key", 4), new byte[] {0}),
                concat(nameHeader("parley.db"), long8(-1)),
                concat(nameHeader("x".repeat(60_000))),
                concat(entry("server-key", 4)),                 // no end marker
                concat(entry("server-key", 4), new byte[] {0, 7}), // content after the end marker
                concat(nameHeader("parley.db"), long8(1L << 40)));  // declares more than it holds
        Path file = tempDir.resolve("hostile");
        for (byte[] content : hostile) {
            try (OutputStream out = SealedStream.seal(Files.newOutputStream(file), PASSPHRASE, FAST, new SecureRandom())) {
                out.write(content);
            }
            assertRefused(file, PASSPHRASE, tempDir.resolve("restored"), null);
            assertThat(tempDir.getParent().resolve("escaped")).doesNotExist();
            assertThat(tempDir.resolve("escaped")).doesNotExist();
        }
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aPostgresqlServerKeepsItsAttachmentsInTheDatabaseThatPgDumpSaves(Backend backend) throws IOException {
        ServerStores store = open(backend);
        AttachmentRecord attachment = upload(store.attachments(), "pictured");
        Path file = tempDir.resolve("b");
        DataFolderBackup.Summary summary = backups.backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE);
        assertThat(summary.attachments()).as("files in the backup").isEqualTo(backend == Backend.SQLITE ? 1 : 0);
        assertThat(summary.database()).isEqualTo(backend == Backend.SQLITE);
        Path restored = tempDir.resolve("restored");
        assertThat(DataFolderBackup.restore(file, PASSPHRASE, restored).database()).isEqualTo(backend == Backend.SQLITE);
        if (backend == Backend.SQLITE) {
            assertThat(restored.resolve("attachments").resolve(attachment.id().hex())).hasContent("pictured");
        } else {
            assertThat(restored.resolve("attachments").resolve(attachment.id().hex())).doesNotExist();
        }
    }

    @Test
    void thePgDumpCommandNamesTheDatabaseButNeverThePassword() {
        assertThat(DataFolderBackup.pgDumpCommand(StoreUrl.parse("postgresql://db.internal:5433/parley?user=parley&password=hunter2&currentSchema=chat"),
                Path.of("/backups/parley.pgdump")))
                .isEqualTo("pg_dump --format=custom --host=db.internal --port=5433 --username=parley --schema=chat --file=/backups/parley.pgdump parley");
        assertThat(DataFolderBackup.pgDumpCommand(StoreUrl.parse("postgresql://127.0.0.1/my%20db?user=o'brien"), Path.of("x")))
                .isEqualTo("pg_dump --format=custom --host=127.0.0.1 --port=5432 --username='o'\\''brien' --file=x 'my db'");
    }

    private Path backupOfOneAccount() throws IOException {
        ServerStores store = open(Backend.SQLITE);
        register(store, "alice");
        byte[] noise = new byte[200_000];
        new SecureRandom().nextBytes(noise);
        upload(store.attachments(), new String(noise, StandardCharsets.ISO_8859_1));
        Path file = tempDir.resolve("parley.backup");
        backups.backup(harness.config().url(), harness.config().attachmentDirectory(), file, PASSPHRASE);
        return file;
    }

    /** The restore fails with a one-line message (containing {@code expected} if given) and leaves nothing behind. */
    private void assertRefused(Path file, char[] passphrase, Path target, String expected) throws IOException {
        assertThatThrownBy(() -> DataFolderBackup.restore(file, passphrase, target))
                .isInstanceOf(BackupException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(expected == null ? "" : expected));
        assertThat(target).doesNotExist();
        try (var entries = Files.list(target.getParent())) {
            assertThat(entries.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith(".parley-restore-"));
        }
    }

    private static long send(ServerStores store, DeviceId device, String text) {
        return store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(device, ByteString.copyFromUtf8(text))))).get(0).id();
    }

    private static AttachmentRecord upload(AttachmentStore attachments, String content) throws IOException {
        AttachmentStore.Upload upload = attachments.begin(Long.MAX_VALUE);
        upload.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.ISO_8859_1)));
        return upload.finish();
    }

    private static byte[] nameHeader(String name) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
        out.writeByte(1);
        out.writeShort(encoded.length);
        out.write(encoded);
        return bytes.toByteArray();
    }

    private static byte[] entry(String name, int size) throws IOException {
        return concat(nameHeader(name), long8(size), new byte[size]);
    }

    private static byte[] long8(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static byte[] concat(byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part);
        }
        return out.toByteArray();
    }
}
