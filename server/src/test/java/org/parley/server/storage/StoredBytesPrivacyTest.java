package org.parley.server.storage;

import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.server.testing.MailboxKeys.mailboxKey;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.parley.server.ServerStores;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.RoutingId;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.StoreContract;

/**
 * Runs a scripted use of every store on SQLite, then reads the raw database file, its WAL and
 * the attachment folder: no page holds both a username and a group id, no secret is stored in
 * clear, and nothing looks like an IP address.
 */
class StoredBytesPrivacyTest extends StoreContract {
    private static final Pattern IPV4 = Pattern.compile("(?<![0-9.])\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(?![0-9.])");

    @Test
    void theSqliteFileHoldsNoLinkableOrSecretData() throws IOException {
        ServerStores store = open(Backend.SQLITE);
        Random random = new Random(7);
        List<String> usernames = List.of("zelda_canary", "link.canary", "ganon_canary");
        List<byte[]> secrets = new ArrayList<>();
        List<Registration> people = new ArrayList<>();
        for (String name : usernames) {
            byte[] accessKey = bytes(random, 16);
            secrets.add(accessKey);
            people.add(store.accounts().register(Username.parse(name), bytes(random, 32), mailboxKey(), accessKey, null));
        }
        byte[] invite = store.accounts().createInviteCode();
        secrets.add(invite);
        store.accounts().addDevice(people.get(1).account(), bytes(random, 32), mailboxKey());

        List<byte[]> groupIds = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            RoutingId group = RoutingId.of(bytes(random, 16));
            groupIds.add(group.bytes());
            store.mailbox().enqueue(List.of(new Delivery(List.of(), store.groups().commit(
                    EpochKey.commit(group, 0, CommitId.of(bytes(random, 32)), bytes(random, 32), null, EpochKey.random())))));
        }
        for (Registration sender : people) {
            for (Registration recipient : people) {
                store.keyPackages().upload(recipient.device(), List.of(bytes(random, 300)));
                store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(recipient.device(), ByteString.copyFrom(bytes(random, 256))))));
                store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(recipient.device(), ByteString.copyFrom(bytes(random, 256))))));
            }
            store.keyPackages().claim(sender.account());
        }
        store.attachments().store(new ByteArrayInputStream(bytes(random, 5000)));

        Path database = harness.config().url().sqliteFile();
        Path wal = Path.of(database + "-wal");
        List<byte[]> pages = new ArrayList<>(databasePages(Files.readAllBytes(database)));
        if (Files.exists(wal)) {
            pages.addAll(walPages(Files.readAllBytes(wal)));
        }
        assertThat(pages).isNotEmpty();
        checkPages(pages, usernames, groupIds, secrets);

        harness.store().close();
        try (ServerStores reopened = harness.openAnother()) {
            reopened.admin().stats(); // the file is still readable after the checkpoint on close
        }
        checkPages(databasePages(Files.readAllBytes(database)), usernames, groupIds, secrets);

        try (Stream<Path> files = Files.list(harness.config().attachmentDirectory())) {
            for (Path file : files.toList()) {
                byte[] content = Files.readAllBytes(file);
                assertThat(IPV4.matcher(new String(content, StandardCharsets.ISO_8859_1)).find()).isFalse();
                usernames.forEach(name -> assertThat(indexOf(content, name.getBytes(StandardCharsets.UTF_8))).isNegative());
            }
        }
    }

    private static void checkPages(List<byte[]> pages, List<String> usernames, List<byte[]> groupIds, List<byte[]> secrets) {
        boolean sawUsername = false;
        boolean sawGroup = false;
        for (byte[] page : pages) {
            boolean hasUsername = usernames.stream().anyMatch(name -> indexOf(page, name.getBytes(StandardCharsets.UTF_8)) >= 0);
            boolean hasGroup = groupIds.stream().anyMatch(id -> indexOf(page, id) >= 0);
            sawUsername |= hasUsername;
            sawGroup |= hasGroup;
            assertThat(hasUsername && hasGroup).as("a page holds a username next to a group id").isFalse();
            for (byte[] secret : secrets) {
                assertThat(indexOf(page, secret)).as("a secret stored in clear").isNegative();
            }
            assertThat(IPV4.matcher(new String(page, StandardCharsets.ISO_8859_1)).find()).as("an IP-like string").isFalse();
        }
        // The scan looked at the right bytes: both kinds of data are there, just never together.
        assertThat(sawUsername).isTrue();
        assertThat(sawGroup).isTrue();
    }

    /** Pages of the main database file (page size from the header, offset 16). */
    private static List<byte[]> databasePages(byte[] file) {
        int pageSize = Short.toUnsignedInt(ByteBuffer.wrap(file, 16, 2).getShort());
        pageSize = pageSize == 1 ? 65536 : pageSize;
        List<byte[]> pages = new ArrayList<>();
        for (int offset = 0; offset + pageSize <= file.length; offset += pageSize) {
            pages.add(Arrays.copyOfRange(file, offset, offset + pageSize));
        }
        return pages;
    }

    /** Pages in the write-ahead log: a 32-byte header, then frames of a 24-byte header and a page. */
    private static List<byte[]> walPages(byte[] wal) {
        List<byte[]> pages = new ArrayList<>();
        if (wal.length < 32) {
            return pages;
        }
        int pageSize = ByteBuffer.wrap(wal, 8, 4).getInt();
        for (int offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
            pages.add(Arrays.copyOfRange(wal, offset + 24, offset + 24 + pageSize));
        }
        return pages;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
