package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.net.Route;
import org.parley.client.net.ServerException;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * The global profile options ({@code --profile}, {@code --passphrase-file}, and {@code --proxy}'s
 * route) and how commands open the profile and sign in. Failures become one-line messages that say what to do.
 */
record Profiles(Path profileOption, Path passphraseFile, Route route) {
    static final SecureRandom RANDOM = new SecureRandom();

    Path directory() {
        if (profileOption != null) {
            return profileOption;
        }
        String env = System.getenv("PARLEY_PROFILE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".parley");
    }

    char[] passphrase() {
        if (passphraseFile == null) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(passphraseFile, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                throw new ProfileException("the passphrase file " + passphraseFile + " is empty; put the passphrase on its first line");
            }
            return lines.get(0).toCharArray();
        } catch (IOException e) {
            throw new ProfileException("cannot read the passphrase file " + passphraseFile + ": " + e.getMessage());
        }
    }

    /** Opens an existing profile. */
    ProfileStore open() {
        return ProfileStore.open(directory(), passphrase(), false, RANDOM);
    }

    /**
     * Opens the profile for a command that creates a device in it; when the profile did not exist and
     * {@code work} fails, the files it created are removed again so a retry starts clean.
     */
    <T> T createAndRun(java.util.function.Function<ProfileStore, T> work) {
        Path dir = directory();
        boolean fresh = !ProfileStore.exists(dir);
        boolean dirExisted = Files.isDirectory(dir);
        try (ProfileStore store = ProfileStore.open(dir, passphrase(), true, RANDOM)) {
            return work.apply(store);
        } catch (RuntimeException e) {
            if (fresh) {
                removeFreshProfile(dir, dirExisted);
            }
            throw e;
        }
    }

    private static void removeFreshProfile(Path dir, boolean keepDirectory) {
        for (String name : new String[] {ProfileStore.DATABASE_FILE, ProfileStore.DATABASE_FILE + "-wal",
                ProfileStore.DATABASE_FILE + "-shm", ProfileStore.KEY_FILE}) {
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException ignored) {
                // Best effort: a leftover empty profile is harmless, it only holds no device.
            }
        }
        if (!keepDirectory) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // Not empty: something else lives there; leave it.
            }
        }
    }

    /** Signs the profile's device in; the caller closes both. Received files go to DIR/files. */
    ParleyClient connect(ProfileStore store) {
        return ParleyClient.open(store, directory().resolve("files"), RANDOM, Clock.systemUTC(), ParleyClient.DEFAULT_TIMEOUT, route,
                event -> { });
    }

    /**
     * Opens the profile, signs in, processes the mail that was waiting, sends the messages a limit
     * held back that are due, brings this account's devices into every conversation, tops up key
     * packages, then runs {@code work}.
     */
    <T> T withClient(java.util.function.Function<ParleyClient, T> work) {
        return withClient(event -> { }, work);
    }

    /** As {@link #withClient(java.util.function.Function)}, with a listener that sees the waiting mail too. */
    <T> T withClient(java.util.function.Consumer<org.parley.client.conversations.ConversationEvent> listener,
                     java.util.function.Function<ParleyClient, T> work) {
        try (ProfileStore store = open();
             ParleyClient client = ParleyClient.open(store, directory().resolve("files"), RANDOM, Clock.systemUTC(),
                     ParleyClient.DEFAULT_TIMEOUT, route, listener)) {
            client.awaitBacklog(ParleyClient.DEFAULT_TIMEOUT);
            client.flushOutgoing();
            client.syncOwnDevices();
            client.topUpKeyPackages();
            return work.apply(client);
        }
    }

    /**
     * What a long-running command ends with when another device of the account unlinked this one
     * while it ran ({@link ParleyClient#unlinked()}).
     */
    static IllegalStateException unlinked() {
        return new IllegalStateException("this device was unlinked from the account while it ran (the server no longer"
                + " signs it in); to use it again, link it with 'parley link --server URL' in a new --profile");
    }

    /** A server refusal turned into what the user should do. */
    static RuntimeException explain(ServerException e, String subject) {
        String message = switch (e.code()) {
            case USERNAME_TAKEN -> "the username '" + subject + "' is taken on this server; choose another";
            case INVITE_REQUIRED -> "this server needs an invite code; ask its operator for one and pass --invite CODE";
            case NOT_FOUND -> "there is no '" + subject + "' on this server; check the spelling";
            case ACCESS_DENIED -> "the server refused: " + e.getMessage();
            case RATE_LIMITED -> "the server is rate limiting this request; try again in "
                    + (e.retryAfter().isZero() ? "a minute" : Math.max(1, e.retryAfter().toSeconds()) + " s");
            case INVALID_ARGUMENT -> "the server refused '" + subject + "': " + e.getMessage();
            case BAD_SIGNATURE, NOT_AUTHENTICATED -> "the server does not accept this device any more (was it unlinked?);"
                    + " link it again with 'parley link --server URL' in a new --profile";
            default -> "the server refused the request (" + e.code() + "): " + e.getMessage();
        };
        return new IllegalStateException(message, e);
    }
}
