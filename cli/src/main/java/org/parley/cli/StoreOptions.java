package org.parley.cli;

import org.parley.server.StoreConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the server's data lives: shared by {@code parley server} and {@code parley admin}. */
final class StoreOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder: the SQLite file and attachments (default: ./parley-data).")
    Path data = StoreConfig.DEFAULT_DATA_DIRECTORY;

    @Option(names = "--db", paramLabel = "URL",
            description = "Database: sqlite:PATH (default: DIR/parley.db) or postgresql://HOST:PORT/DB?user=NAME.")
    String database;

    StoreConfig storeConfig() {
        return StoreConfig.forDataDirectory(data.toAbsolutePath().normalize(), database);
    }
}
