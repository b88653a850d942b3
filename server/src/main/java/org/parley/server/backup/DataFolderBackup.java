package org.parley.server.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.parley.server.acme.AcmeSettings;
import org.parley.server.attachments.AttachmentId;
import org.parley.server.identity.ServerKey;
import org.parley.server.storage.Dialect;
import org.parley.server.storage.StoreUrl;
import org.sqlite.SQLiteConfig;

/**
 * Backs up a server's data folder into one encrypted file and restores it, while the server runs.
 *
 * <p>SQLite: the database is copied with SQLite's online backup API into a snapshot that is
 * consistent by itself; the attachments are then those the snapshot has rows for. Attachments are
 * written before their row and deleted after it, so a file missing by the time it is copied was
 * deleted after the snapshot: its row is removed from the snapshot, never left dangling. The server
 * key file goes along. PostgreSQL: the database is {@code pg_dump}'s to save ({@link #pgDumpCommand});
 * the backup holds the attachment files.
 *
 * <p>A restore goes into a fresh hidden folder beside the target and is moved into place only when
 * every chunk has authenticated and every file is written: a wrong passphrase, a damaged or
 * truncated file leaves nothing behind.
 */
public final class DataFolderBackup {
    static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FOLDER = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final int BUSY_TIMEOUT_MS = 30_000;

    private final SecureRandom random;
    private final KdfParameters kdf;

    public DataFolderBackup(SecureRandom random, KdfParameters kdf) {
        this.random = random;
        this.kdf = kdf;
    }

    /**
     * What a backup holds.
     *
     * @param database whether it holds the SQLite database (a PostgreSQL server's has none)
     * @param attachments attachment files in it
     * @param attachmentsGoneMeanwhile attachments deleted (expired) between the snapshot and their copy, left out with
     *     their rows (always 0 for a restore)
     * @param acmeFiles files of the ACME client's state ({@code acme/}: account key, certificate key and chain) in it,
     *     so that a restored server serves its certificate at once and asks the CA for nothing
     */
    public record Summary(boolean database, int attachments, int attachmentsGoneMeanwhile, int acmeFiles) {
        Summary withAcmeFiles(int files) {
            return new Summary(database, attachments, attachmentsGoneMeanwhile, files);
        }
    }

    /**
     * Writes a backup of the server with database {@code database} and attachment folder
     * {@code attachments} to {@code target}, a file that must not exist yet (made owner-only,
     * written under a temporary name and linked into place at the end).
     */
    public Summary backup(StoreUrl database, Path attachments, Path target, char[] passphrase) {
        Path file = target.toAbsolutePath();
        if (Files.exists(file)) {
            throw new BackupException(file + " exists already: choose a new name for the backup");
        }
        Path work = null;
        Path partial = null;
        try {
            work = Files.createTempDirectory(file.getParent(), ".parley-backup-", OWNER_ONLY_FOLDER);
            partial = work.resolve("backup.partial");
            Summary summary;
            try (OutputStream out = SealedStream.seal(new BufferedOutputStream(Files.newOutputStream(Files.createFile(partial, OWNER_ONLY))),
                    passphrase, kdf, random)) {
                BackupArchive.Writer archive = new BackupArchive.Writer(out);
                summary = database.dialect() == Dialect.SQLITE
                        ? backupSqlite(database.sqliteFile(), attachments, work.resolve(BackupArchive.DATABASE), archive)
                        : new Summary(false, addAttachments(archive, attachments, attachmentFiles(attachments)).size(), 0, 0);
                summary = summary.withAcmeFiles(addAcmeState(archive, attachments.resolveSibling(AcmeSettings.DATA_FOLDER)));
                archive.finish();
            }
            // A link, unlike a rename, fails when a file of that name appeared meanwhile: a backup never replaces one.
            Files.createLink(file, partial);
            return summary;
        } catch (FileAlreadyExistsException e) {
            throw new BackupException(file + " exists already: choose a new name for the backup");
        } catch (IOException e) {
            throw new BackupException("cannot write the backup " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(work);
        }
    }

    private static Summary backupSqlite(Path database, Path attachments, Path snapshot, BackupArchive.Writer archive) throws IOException {
        if (!Files.isRegularFile(database)) {
            throw new BackupException("no Parley database at " + database + ": give the server's data folder with --data DIR");
        }
        if (snapshot.toString().contains("'")) {
            throw new BackupException("cannot back up next to " + snapshot.getParent().getParent() + ": its path has a quote in it");
        }
        List<AttachmentId> ids = new ArrayList<>();
        try {
            try (Connection source = sqlite(database, true); Statement statement = source.createStatement()) {
                statement.executeUpdate("backup to '" + snapshot + "'");
            }
            try (Connection copy = sqlite(snapshot, false)) {
                try (Statement statement = copy.createStatement();
                     ResultSet rows = statement.executeQuery("SELECT attachment_id FROM attachments ORDER BY attachment_id")) {
                    while (rows.next()) {
                        ids.add(AttachmentId.of(rows.getBytes(1)));
                    }
                }
                List<AttachmentId> gone = new ArrayList<>(ids);
                gone.removeAll(addAttachments(archive, attachments, ids));
                try (PreparedStatement delete = copy.prepareStatement("DELETE FROM attachments WHERE attachment_id = ?")) {
                    for (AttachmentId id : gone) {
                        delete.setBytes(1, id.bytes());
                        delete.executeUpdate();
                    }
                }
                try (Statement statement = copy.createStatement()) {
                    // One self-contained file; the restored server turns WAL on again when it opens it.
                    statement.execute("PRAGMA journal_mode=DELETE");
                }
                try (InputStream in = Files.newInputStream(snapshot)) {
                    archive.add(BackupArchive.DATABASE, in, Files.size(snapshot));
                }
                addIfPresent(archive, BackupArchive.SERVER_KEY, database.resolveSibling(ServerKey.FILE_NAME));
                return new Summary(true, ids.size() - gone.size(), gone.size(), 0);
            }
        } catch (SQLException e) {
            throw new BackupException("cannot take a snapshot of " + database + ": " + e.getMessage(), e);
        }
    }

    /** Adds the ACME client's files that exist in {@code folder}; returns how many. */
    private static int addAcmeState(BackupArchive.Writer archive, Path folder) throws IOException {
        int added = 0;
        for (String file : AcmeSettings.STATE_FILES) {
            added += addIfPresent(archive, BackupArchive.acmeName(file), folder.resolve(file)) ? 1 : 0;
        }
        return added;
    }

    /** Adds each attachment whose file still exists; returns those added. */
    private static List<AttachmentId> addAttachments(BackupArchive.Writer archive, Path folder, List<AttachmentId> ids) throws IOException {
        List<AttachmentId> added = new ArrayList<>();
        for (AttachmentId id : ids) {
            if (addIfPresent(archive, BackupArchive.attachmentName(id), folder.resolve(id.hex()))) {
                added.add(id);
            }
        }
        return added;
    }

    private static boolean addIfPresent(BackupArchive.Writer archive, String name, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            // Opened first: a file deleted from now on stays readable through this stream.
            archive.add(name, in, Files.size(file));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The finished uploads in a PostgreSQL server's attachment folder (files named by an attachment id). */
    private static List<AttachmentId> attachmentFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<AttachmentId> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path path : (Iterable<Path>) files.sorted()::iterator) {
                try {
                    ids.add(AttachmentId.parse(path.getFileName().toString()));
                } catch (IllegalArgumentException e) {
                    // an upload in progress (upload-*.tmp): not an attachment yet
                }
            }
        }
        return ids;
    }

    private static Connection sqlite(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setReadOnly(readOnly);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    /**
     * Restores {@code backup} into {@code dataFolder}, which must be empty or not exist yet.
     *
     * @throws BackupException with a one-line reason (wrong passphrase, damaged, truncated,
     *     non-empty target); nothing is left in or beside the target then
     */
    public static Summary restore(Path backup, char[] passphrase, Path dataFolder) {
        Path target = dataFolder.toAbsolutePath().normalize();
        refuseNonEmpty(target);
        Path work = null;
        try (InputStream in = Files.newInputStream(backup)) {
            InputStream content = SealedStream.open(new BufferedInputStream(in), passphrase);
            Files.createDirectories(target.getParent());
            work = Files.createTempDirectory(target.getParent(), ".parley-restore-", OWNER_ONLY_FOLDER);
            Summary contents = BackupArchive.extract(content, work);
            refuseNonEmpty(target);
            Files.deleteIfExists(target);
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            work = null;
            return contents;
        } catch (NoSuchFileException e) {
            throw new BackupException("no such backup file: " + e.getFile());
        } catch (IOException e) {
            throw new BackupException("cannot restore " + backup + " into " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(work);
        }
    }

    private static void refuseNonEmpty(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        boolean empty;
        try (Stream<Path> entries = Files.list(target)) {
            empty = entries.findAny().isEmpty();
        } catch (IOException e) {
            empty = false;
        }
        if (!empty) {
            throw new BackupException(target + " is not an empty folder: restore into a new or empty one (nothing was written)");
        }
    }

    /**
     * The {@code pg_dump} command that saves the database of a PostgreSQL server: custom format,
     * with the host, port, database, user and schema of {@code url}; never its password (pg_dump
     * reads that from PGPASSWORD or ~/.pgpass).
     */
    public static String pgDumpCommand(StoreUrl url, Path dumpFile) {
        URI uri;
        try {
            uri = new URI(url.jdbcUrl().substring("jdbc:".length()));
        } catch (java.net.URISyntaxException e) {
            throw new BackupException("cannot read the database URL " + url + " to write its pg_dump command: " + e.getReason());
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    query.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        StringBuilder command = new StringBuilder("pg_dump --format=custom");
        command.append(" --host=").append(shellQuoted(uri.getHost() == null ? "localhost" : uri.getHost()));
        command.append(" --port=").append(uri.getPort() < 0 ? 5432 : uri.getPort());
        if (query.containsKey("user")) {
            command.append(" --username=").append(shellQuoted(query.get("user")));
        }
        if (query.containsKey("currentSchema")) {
            command.append(" --schema=").append(shellQuoted(query.get("currentSchema")));
        }
        command.append(" --file=").append(shellQuoted(dumpFile.toString()));
        String database = uri.getPath() == null || uri.getPath().length() < 2 ? "postgres" : uri.getPath().substring(1);
        return command.append(' ').append(shellQuoted(database)).toString();
    }

    private static String shellQuoted(String value) {
        return value.matches("[A-Za-z0-9_./:@=+-]+") ? value : "'" + value.replace("'", "'\\''") + "'";
    }

    private static void deleteQuietly(Path folder) {
        if (folder == null || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // best effort: a leftover hidden work folder is harmless and named for what it is
        }
    }
}
