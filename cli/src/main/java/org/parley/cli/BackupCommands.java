package org.parley.cli;

import java.io.Console;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

import org.parley.server.StoreConfig;
import org.parley.server.backup.BackupException;
import org.parley.server.backup.DataFolderBackup;
import org.parley.server.backup.KdfParameters;
import org.parley.server.storage.Dialect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code parley admin backup} and {@code parley admin restore}: encrypted copies of a server's data folder. */
final class BackupCommands {
    private BackupCommands() {
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write an encrypted backup of the server's data (database snapshot, server key, attachments) to FILE,"
                    + " while the server runs. The passphrase is asked on the terminal, or read from --passphrase-file."
                    + " With PostgreSQL, prints the pg_dump command for the database, which holds the attachments too.")
    static final class Backup implements Runnable {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOptions store;

        @Parameters(paramLabel = "FILE", description = "The backup file to write (must not exist).")
        Path file;

        @Override
        public void run() {
            StoreConfig config = store.storeConfig();
            char[] passphrase = passphrase(spec, true);
            try {
                DataFolderBackup.Summary summary = new DataFolderBackup(new SecureRandom(), KdfParameters.DEFAULT)
                        .backup(config.url(), config.attachmentDirectory(), file, passphrase);
                var out = spec.commandLine().getOut();
                if (config.url().dialect() == Dialect.POSTGRESQL) {
                    out.println("The database, attachments included, is in PostgreSQL, which this backup does not hold: save it with");
                    out.println("  " + DataFolderBackup.pgDumpCommand(config.url(), Path.of(file + ".pgdump")));
                }
                out.println("Backed up " + (summary.database() ? "the database, the server key and " : "") + summary.attachments()
                        + " attachment" + (summary.attachments() == 1 ? "" : "s") + " to " + file.toAbsolutePath()
                        + ". Keep the passphrase: without it the backup cannot be restored.");
                if (summary.attachmentsGoneMeanwhile() > 0) {
                    out.println(summary.attachmentsGoneMeanwhile() + " attachment(s) expired while the backup ran and are not in it.");
                }
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore a backup made by 'parley admin backup' into a new or empty data folder. A wrong passphrase"
                    + " or a damaged file is refused and writes nothing.")
    static final class Restore implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The backup file.")
        Path file;

        @Option(names = "--data", paramLabel = "DIR", required = true,
                description = "The data folder to restore into: it must not exist or be empty.")
        Path data;

        @Override
        public void run() {
            char[] passphrase = passphrase(spec, false);
            try {
                DataFolderBackup.Summary summary = DataFolderBackup.restore(file, passphrase, data);
                var out = spec.commandLine().getOut();
                out.println("Restored " + (summary.database() ? "the database, the server key and " : "") + summary.attachments()
                        + " attachment" + (summary.attachments() == 1 ? "" : "s") + " into " + data.toAbsolutePath().normalize()
                        + ". Start the server with: parley server --data " + data);
                if (!summary.database()) {
                    out.println("This backup came from a PostgreSQL server: restore its database with pg_restore from the pg_dump file"
                            + " saved with it, then start the server with --data " + data + " --db URL.");
                }
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    /** The passphrase from {@code --passphrase-file}, else asked on the terminal (twice for a new backup). */
    private static char[] passphrase(CommandSpec spec, boolean confirm) {
        char[] fromFile = Main.profiles(spec).passphrase();
        if (fromFile != null) {
            return fromFile;
        }
        Console console = System.console();
        if (console == null) {
            throw new BackupException("no terminal to ask the backup passphrase on: give it with --passphrase-file FILE (first line)");
        }
        char[] passphrase = console.readPassword("Backup passphrase: ");
        if (passphrase == null || passphrase.length == 0) {
            throw new BackupException("an empty passphrase is not allowed for a backup");
        }
        if (confirm) {
            char[] again = console.readPassword("The same passphrase again: ");
            boolean same = Arrays.equals(passphrase, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(passphrase, '\0');
                throw new BackupException("the two passphrases differ; nothing was written");
            }
        }
        return passphrase;
    }
}
