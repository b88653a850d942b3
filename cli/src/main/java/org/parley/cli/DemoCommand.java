package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.keys.KeyPackages;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileStore;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.admin.Stats;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.OptionalInt;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code parley demo}: a throw-away server on a free loopback port and three people (alice, bob,
 * carol) in three temporary profiles, chatting 1:1 and in a group through the real SDK and
 * server; carol is removed and cannot read what follows; a file is sent. Then it prints the
 * conversation and what the server stored (ciphertext and counts only), and checks that none of
 * the words sent appear in the server's files. Everything is deleted at the end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a self-contained demonstration: a local server, three users, 1:1 and group chat, removal, a file.")
final class DemoCommand implements Callable<Integer> {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(20);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One demo person: profile, client and what they saw arrive. */
    private record Person(String name, ProfileStore store, ParleyClient client, List<ConversationEvent> seen) implements AutoCloseable {
        List<String> texts() {
            return seen.stream().filter(e -> e instanceof ConversationEvent.Message)
                    .map(e -> ((ConversationEvent.Message) e).message().getText()).toList();
        }

        Conversations conversations() {
            return client.conversations();
        }

        @Override
        public void close() {
            client.close();
            store.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        Path root = Files.createTempDirectory("parley-demo-");
        List<String> sentWords = new ArrayList<>();
        try (ServerStores store = ServerStores.open(StoreConfig.forDataDirectory(root.resolve("server"), null));
             ParleyServer server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", 0)
                // Any free UDP port for the call relay: never depend on 7878 being free.
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.of(0))), store)) {
            ServerAddress address = new ServerAddress("127.0.0.1", server.address().getPort(), false);
            out.println("Started a throw-away Parley server at " + address + " (data in " + root.resolve("server") + ")");
            List<Person> people = new ArrayList<>();
            try {
                for (String name : List.of("alice", "bob", "carol")) {
                    people.add(person(root, address, name));
                }
                out.println("Registered alice, bob and carol, each in their own encrypted profile under " + root);
                out.flush();
                run(out, people.get(0), people.get(1), people.get(2), root, sentWords);
            } finally {
                people.forEach(Person::close);
            }
            out.println();
            out.println("== What the server stored ==");
            Stats stats = store.admin().stats();
            out.println("accounts " + stats.accounts() + ", devices " + stats.devices() + ", key packages " + stats.keyPackages()
                    + ", groups " + stats.groups() + " (an id and an epoch each), undelivered messages " + stats.pendingMessages()
                    + " (" + stats.pendingBytes() + " bytes), attachments " + stats.attachments() + " (" + stats.attachmentBytes() + " bytes)");
            printBlobSample(out, root.resolve("server"));
            List<String> leaked = plaintextIn(root.resolve("server"), sentWords);
            if (!leaked.isEmpty()) {
                throw new IllegalStateException("the server's files contain plaintext: " + leaked);
            }
            out.println("Searched every file of the server for the " + sentWords.size()
                    + " texts sent: none of them appears. The server holds ciphertext, keys and counts only.");
        } finally {
            deleteTree(root);
        }
        out.printf("Demo finished in %.1f s. Try it for real: ./parley server, then ./parley register NAME --server http://127.0.0.1:7878%n",
                (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private static Person person(Path root, ServerAddress address, String name) {
        ProfileStore store = ProfileStore.open(root.resolve(name), null, true, Profiles.RANDOM);
        Accounts.register(store, address, name, null, Profiles.RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        List<ConversationEvent> seen = new CopyOnWriteArrayList<>();
        ParleyClient client = ParleyClient.open(store, root.resolve(name).resolve("files"), Profiles.RANDOM,
                ParleyClient.DEFAULT_TIMEOUT, seen::add);
        client.publishKeyPackages(KeyPackages.LOW_WATER, true);
        return new Person(name, store, client, seen);
    }

    private void run(PrintWriter out, Person alice, Person bob, Person carol, Path root, List<String> sentWords) throws Exception {
        out.println();
        out.println("== 1:1: alice and bob (an MLS group of their devices) ==");
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        await("bob gets alice's message request", () -> !bob.conversations().requests().isEmpty());
        bob.conversations().accept("alice");
        out.println("bob accepted alice's message request (until then his device sent her nothing: no receipt, no key)");
        say(out, alice, direct, "bob", "Hi Bob! Nobody but you can read this.", sentWords);
        await("bob reads alice", () -> bob.texts().contains("Hi Bob! Nobody but you can read this."));
        byte[] bobDirect = bob.conversations().find("alice", true).groupId().toByteArray();
        say(out, bob, bobDirect, "alice", "Hi Alice, loud and clear.", sentWords);
        await("alice reads bob", () -> alice.texts().contains("Hi Alice, loud and clear."));

        out.println();
        out.println("== Group book-club: alice, bob, carol ==");
        byte[] club = alice.conversations().createGroup("book-club", List.of("bob", "carol")).groupId().toByteArray();
        out.println("alice created book-club with bob and carol (one MLS commit, Welcome messages to their devices)");
        await("carol gets alice's message request", () -> !carol.conversations().requests().isEmpty());
        carol.conversations().accept("alice");
        await("carol joins", () -> carol.conversations().list().stream().anyMatch(s -> s.name().equals("book-club")));
        byte[] carolClub = carol.conversations().find("book-club", false).groupId().toByteArray();
        say(out, carol, carolClub, "book-club", "Hello both, what are we reading?", sentWords);
        await("alice reads carol", () -> alice.texts().contains("Hello both, what are we reading?"));
        await("bob reads carol", () -> bob.texts().contains("Hello both, what are we reading?"));

        alice.conversations().removeMember("book-club", "carol");
        out.println("alice removed carol from book-club (a commit to a new epoch whose keys carol never gets)");
        await("carol learns of her removal", () -> carol.conversations().list().stream().noneMatch(s -> s.name().equals("book-club")));
        String secret = "Carol will never read this sentence.";
        say(out, alice, club, "book-club", secret, sentWords);
        await("bob reads alice", () -> bob.texts().contains(secret));
        Thread.sleep(300);
        out.println("carol received " + (carol.texts().contains(secret) ? "IT (this must not happen)" : "nothing of it")
                + "; her device no longer holds book-club's keys.");
        if (carol.texts().contains(secret)) {
            throw new IllegalStateException("a removed member read a message");
        }

        Path file = root.resolve("reading-list.txt");
        String list = "1. The Left Hand of Darkness\n2. Cryptonomicon\n";
        Files.writeString(file, list);
        sentWords.add("Cryptonomicon");
        bob.conversations().sendFile(bob.conversations().find("book-club", false).groupId().toByteArray(), file);
        out.println("bob → book-club: [file] reading-list.txt (encrypted with a fresh AES-256-GCM key before upload)");
        await("alice gets the file", () -> alice.texts().stream().anyMatch(t -> t.startsWith("[file] reading-list.txt saved")));
        StoredMessage received = alice.conversations().history(club, 100).stream()
                .filter(m -> !m.getAttachmentPath().isEmpty()).findFirst().orElseThrow();
        boolean same = Files.readString(Path.of(received.getAttachmentPath()), StandardCharsets.UTF_8).equals(list);
        out.println("alice downloaded it, checked its digest and decrypted it: " + (same ? "identical to what bob sent" : "DIFFERENT"));

        out.println();
        out.println("== The conversations as alice's device stores them ==");
        for (Conversations.Summary summary : alice.conversations().list()) {
            for (StoredMessage m : alice.conversations().history(summary.groupId().toByteArray(), 100)) {
                out.println(Messages.line(new Conversations.Shown(summary.name(), summary.direct(), m), alice.name()));
            }
        }
    }

    private static void say(PrintWriter out, Person who, byte[] groupId, String conversation, String text, List<String> sentWords) {
        who.conversations().sendText(groupId, text);
        sentWords.add(text);
        out.println(who.name() + " → " + conversation + ": " + text);
        out.flush();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the demo stalled waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void printBlobSample(PrintWriter out, Path data) throws IOException {
        try (Stream<Path> files = Files.walk(data)) {
            Path blob = files.filter(Files::isRegularFile).filter(p -> p.toString().contains("attachments"))
                    .findFirst().orElse(null);
            if (blob != null) {
                byte[] bytes = Files.readAllBytes(blob);
                out.println("the attachment as stored, first 32 of " + bytes.length + " bytes: "
                        + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(32, bytes.length)));
            }
        }
    }

    private static List<String> plaintextIn(Path data, List<String> texts) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String text : texts) {
                    if (content.contains(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))) {
                        found.add(text + " in " + file.getFileName());
                    }
                }
            }
        }
        return found;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
