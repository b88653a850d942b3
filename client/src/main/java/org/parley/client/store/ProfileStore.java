package org.parley.client.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A device's local state: one SQLite file in the profile directory, every value sealed under the
 * {@link ProfileKey}. Names and ids are stored only as keyed HMACs, message bodies and secrets
 * only as ciphertext, so the file alone tells a reader nothing but counts and sizes.
 *
 * <p>Not thread-safe; the SDK owns one store per profile and serialises access to it.
 */
public final class ProfileStore implements AutoCloseable {
    public static final String DATABASE_FILE = "profile.db";
    public static final String KEY_FILE = "profile.key";
    private static final int FORMAT_VERSION = 1;
    private static final byte[] VERIFIER = "parley profile verifier".getBytes(StandardCharsets.US_ASCII);

    private final Connection db;
    private final ProfileKey key;

    private ProfileStore(Connection db, ProfileKey key) {
        this.db = db;
        this.key = key;
    }

    /** Whether a profile exists in {@code dir}. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(DATABASE_FILE));
    }

    /**
     * Opens the profile in {@code dir}, creating it when {@code create} is set. With a passphrase the
     * key comes from scrypt; without one, from the owner-only key file beside the database.
     */
    public static ProfileStore open(Path dir, char[] passphrase, boolean create, SecureRandom random) {
        boolean fresh = !exists(dir);
        if (fresh && !create) {
            throw new ProfileException("no Parley profile in " + dir + "; run 'parley register USERNAME --server URL' first");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ProfileException("cannot create the profile directory " + dir + ": " + e.getMessage(), e);
        }
        Connection db = connect(dir.resolve(DATABASE_FILE));
        try {
            migrate(db);
            ProfileKey key = fresh ? initialiseKey(db, dir, passphrase, random) : existingKey(db, dir, passphrase, random);
            return new ProfileStore(db, key);
        } catch (SQLException e) {
            closeQuietly(db);
            throw damaged(dir, e);
        } catch (RuntimeException e) {
            closeQuietly(db);
            throw e;
        }
    }

    private static Connection connect(Path file) {
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
            }
            return db;
        } catch (SQLException e) {
            throw damaged(file.getParent(), e);
        }
    }

    private static ProfileException damaged(Path dir, SQLException e) {
        return new ProfileException("the profile database in " + dir + " is damaged or unreadable (" + e.getMessage()
                + "); restore it from a backup or register again in another --profile", e);
    }

    private static void migrate(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS secrets (name BLOB PRIMARY KEY, value BLOB NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                    + " conversation BLOB NOT NULL, message_id BLOB NOT NULL UNIQUE, expires_at INTEGER, body BLOB NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation, seq)");
        }
    }

    private static ProfileKey initialiseKey(Connection db, Path dir, char[] passphrase, SecureRandom random)
            throws SQLException {
        ProfileKey key;
        if (passphrase != null) {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            putMeta(db, "kdf", "scrypt".getBytes(StandardCharsets.US_ASCII));
            putMeta(db, "salt", salt);
            key = ProfileKey.fromPassphrase(passphrase, salt, random);
        } else {
            putMeta(db, "kdf", "keyfile".getBytes(StandardCharsets.US_ASCII));
            key = ProfileKey.fromKeyFile(dir.resolve(KEY_FILE), true, random);
        }
        putMeta(db, "format", Integer.toString(FORMAT_VERSION).getBytes(StandardCharsets.US_ASCII));
        putMeta(db, "verifier", key.seal(VERIFIER, "verifier"));
        return key;
    }

    private static ProfileKey existingKey(Connection db, Path dir, char[] passphrase, SecureRandom random)
            throws SQLException {
        String kdf = new String(requireMeta(db, dir, "kdf"), StandardCharsets.US_ASCII);
        String format = new String(requireMeta(db, dir, "format"), StandardCharsets.US_ASCII);
        if (!format.equals(Integer.toString(FORMAT_VERSION))) {
            throw new ProfileException("the profile in " + dir + " has format " + format
                    + ", which this Parley does not know; upgrade Parley");
        }
        ProfileKey key;
        if (kdf.equals("scrypt")) {
            if (passphrase == null) {
                throw new ProfileException("the profile in " + dir + " is protected by a passphrase; give --passphrase-file");
            }
            key = ProfileKey.fromPassphrase(passphrase, requireMeta(db, dir, "salt"), random);
        } else {
            key = ProfileKey.fromKeyFile(dir.resolve(KEY_FILE), false, random);
        }
        try {
            key.open(requireMeta(db, dir, "verifier"), "verifier");
        } catch (ProfileException wrongKey) {
            throw new ProfileException(kdf.equals("scrypt")
                    ? "wrong passphrase for the profile in " + dir
                    : "the key file does not match the profile in " + dir + "; restore the right " + KEY_FILE);
        }
        return key;
    }

    private static void putMeta(Connection db, String name, byte[] value) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)")) {
            ps.setString(1, name);
            ps.setBytes(2, value);
            ps.executeUpdate();
        }
    }

    private static byte[] requireMeta(Connection db, Path dir, String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ProfileException("the profile in " + dir + " is incomplete (no " + name
                            + "); register again in another --profile");
                }
                return rs.getBytes(1);
            }
        }
    }

    /** Stores a secret value under a name (the name itself is stored only as an HMAC). */
    public void put(String name, byte[] value) {
        update("INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)",
                key.lookup("secret", bytes(name)), key.seal(value, "secret:" + name));
    }

    /** The value stored under {@code name}, or null. */
    public byte[] get(String name) {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM secrets WHERE name = ?")) {
            ps.setBytes(1, key.lookup("secret", bytes(name)));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? key.open(rs.getBytes(1), "secret:" + name) : null;
            }
        } catch (SQLException e) {
            throw failure("read " + name, e);
        }
    }

    public void delete(String name) {
        update("DELETE FROM secrets WHERE name = ?", key.lookup("secret", bytes(name)));
    }

    /**
     * Records a message once: returns false (and stores nothing) when a message with that id is
     * already there, which is how redelivered mail is shown only once.
     */
    public boolean addMessage(byte[] conversationId, byte[] messageId, byte[] body, Long expiresAtMillis) {
        byte[] idLookup = key.lookup("message", messageId);
        try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO messages"
                + " (conversation, message_id, expires_at, body) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, key.lookup("conversation", conversationId));
            ps.setBytes(2, idLookup);
            if (expiresAtMillis == null) {
                ps.setNull(3, java.sql.Types.INTEGER);
            } else {
                ps.setLong(3, expiresAtMillis);
            }
            ps.setBytes(4, key.seal(body, "message"));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failure("store a message", e);
        }
    }

    /** One message's body by its id, or null when this profile does not have it. */
    public byte[] message(byte[] messageId) {
        try (PreparedStatement ps = db.prepareStatement("SELECT body FROM messages WHERE message_id = ?")) {
            ps.setBytes(1, key.lookup("message", messageId));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? key.open(rs.getBytes(1), "message") : null;
            }
        } catch (SQLException e) {
            throw failure("read a message", e);
        }
    }

    /** Message bodies of a conversation in arrival order, at most the newest {@code limit}. */
    public List<byte[]> messages(byte[] conversationId, int limit) {
        List<byte[]> bodies = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT body FROM (SELECT seq, body FROM messages"
                + " WHERE conversation = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq")) {
            ps.setBytes(1, key.lookup("conversation", conversationId));
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bodies.add(key.open(rs.getBytes(1), "message"));
                }
            }
            return bodies;
        } catch (SQLException e) {
            throw failure("read messages", e);
        }
    }

    /** Replaces a stored message's body (edits, deletions, receipts); returns false when it is unknown. */
    public boolean replaceMessage(byte[] messageId, byte[] body) {
        return update("UPDATE messages SET body = ? WHERE message_id = ?",
                key.seal(body, "message"), key.lookup("message", messageId)) == 1;
    }

    /** Deletes every message of a conversation (a deleted message request); returns how many. */
    public int deleteMessages(byte[] conversationId) {
        return update("DELETE FROM messages WHERE conversation = ?", key.lookup("conversation", conversationId));
    }

    /** Deletes messages whose disappearing timer ran out; returns how many. */
    public int deleteExpired(long nowMillis) {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?")) {
            ps.setLong(1, nowMillis);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("delete expired messages", e);
        }
    }

    /**
     * Runs {@code work} in one transaction, so that, for example, a new MLS group state and the
     * message it decrypted are saved together or not at all.
     */
    public void inTransaction(Runnable work) {
        try {
            db.setAutoCommit(false);
            try {
                work.run();
                db.commit();
            } catch (RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("commit a change", e);
        }
    }

    private int update(String sql, Object... params) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("write to the profile", e);
        }
    }

    private static ProfileException failure(String what, SQLException e) {
        return new ProfileException("cannot " + what + " in the profile database: " + e.getMessage(), e);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(Connection db) {
        try {
            db.close();
        } catch (SQLException ignored) {
            // Already failing with a clearer error.
        }
    }

    @Override
    public void close() {
        closeQuietly(db);
    }
}
