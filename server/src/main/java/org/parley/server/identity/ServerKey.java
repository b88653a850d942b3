package org.parley.server.identity;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * Where the server's Ed25519 key lives: a file of its 32 private bytes, readable by the owner
 * only (mode 600), made on the first start. Losing it makes every client refuse the server (the
 * key they pinned is gone), so it is never replaced once written.
 */
public final class ServerKey {
    /** The file's name in the data folder, beside the SQLite database. */
    public static final String FILE_NAME = "server-key";

    private ServerKey() {
    }

    /**
     * The key in {@code file}, made and written first when there is none.
     *
     * @throws IllegalStateException when the file exists but holds no key, naming the file
     */
    public static Ed25519PrivateKeyParameters loadOrCreate(Path file, SecureRandom random) {
        try {
            if (!Files.exists(file)) {
                create(file, random);
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
                throw new IllegalStateException("the server key file " + file + " is damaged (" + bytes.length
                        + " bytes instead of " + Ed25519PrivateKeyParameters.KEY_SIZE + "); restore it from a backup:"
                        + " clients refuse a server whose key changed");
            }
            return new Ed25519PrivateKeyParameters(bytes, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the server key " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a fresh key beside {@code file} with owner-only permissions, then links it in place:
     * a link, unlike a rename, fails when another process made the file first, so every process
     * starting at once ends up with the same key.
     */
    private static void create(Path file, SecureRandom random) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, FILE_NAME, ".new",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temporary, new Ed25519PrivateKeyParameters(random).getEncoded());
            Files.createLink(file, temporary);
        } catch (FileAlreadyExistsException e) {
            // Another process made it at the same moment: keep theirs.
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
