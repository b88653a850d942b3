package org.parley.server.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Connection pools and transactions for one database.
 *
 * <p>SQLite: WAL journal with {@code synchronous=FULL}, so a committed transaction is on disk
 * (survives power loss, not only a process kill). SQLite allows one writer at a time, so all
 * write transactions go through a single connection behind a fair in-process lock (they queue
 * instead of failing with SQLITE_BUSY); reads use a separate pool and see the last commit (WAL
 * readers do not block the writer). {@code busy_timeout} covers another process such as
 * {@code parley admin} holding the file briefly.
 *
 * <p>PostgreSQL: one HikariCP pool, batched inserts rewritten into multi-row statements, and a
 * retry of write transactions that the server aborted for a deadlock or serialization failure.
 */
public final class Database implements AutoCloseable {
    private static final int BUSY_TIMEOUT_MS = 10_000;
    private static final int SQLITE_READERS = 4;
    private static final int POSTGRES_POOL_SIZE = 10;
    private static final int MAX_ATTEMPTS = 5;

    private final StoreUrl url;
    private final HikariDataSource writers;
    private final HikariDataSource readers;
    private final ReentrantLock sqliteWriteLock = new ReentrantLock(true);
    /** Guarded by {@link #sqliteWriteLock}. */
    private final WriterStatements writerStatements = new WriterStatements();

    private Database(StoreUrl url, HikariDataSource writers, HikariDataSource readers) {
        this.url = url;
        this.writers = writers;
        this.readers = readers;
    }

    /** Connects (creating the SQLite file and its folder if needed); does not migrate. */
    public static Database connect(StoreUrl url) {
        if (url.dialect() == Dialect.SQLITE) {
            try {
                Files.createDirectories(url.sqliteFile().getParent());
            } catch (IOException e) {
                throw new StoreException("cannot create the folder for " + url.sqliteFile() + ": " + e.getMessage(), e);
            }
            HikariDataSource writer = pool("parley-sqlite-writer", sqlite(url, false), 1, false);
            try {
                // The writer opens the file first so WAL mode is set before readers attach.
                return new Database(url, writer, pool("parley-sqlite-reader", sqlite(url, true), SQLITE_READERS, true));
            } catch (RuntimeException e) {
                writer.close();
                throw e;
            }
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("parley-postgresql");
        config.setJdbcUrl(url.jdbcUrl());
        config.setMaximumPoolSize(POSTGRES_POOL_SIZE);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        try {
            HikariDataSource pool = new HikariDataSource(config);
            return new Database(url, pool, pool);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to " + url + ": " + e.getMessage(), e);
        }
    }

    private static DataSource sqlite(StoreUrl url, boolean readOnly) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        config.setReadOnly(readOnly);
        // The writer takes the file's write lock at BEGIN, so a transaction never fails halfway
        // because another process started writing.
        config.setTransactionMode(readOnly ? SQLiteConfig.TransactionMode.DEFERRED : SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl(url.jdbcUrl());
        return dataSource;
    }

    private static HikariDataSource pool(String name, DataSource dataSource, int size, boolean readOnly) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setDataSource(dataSource);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setReadOnly(readOnly); // Hikari sets the flag on each connection; SQLite needs it to match
        // Opening a connection sets the journal mode, which fails at once with SQLITE_BUSY while another
        // process holds the file's lock (busy_timeout is not in force yet): keep trying as long as a busy
        // statement would wait, instead of failing on the first attempt (Hikari's default).
        config.setInitializationFailTimeout(BUSY_TIMEOUT_MS);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the database file: " + e.getMessage(), e);
        }
    }

    public Dialect dialect() {
        return url.dialect();
    }

    public StoreUrl url() {
        return url;
    }

    /**
     * Runs {@code work} in a write transaction and commits it; on any exception rolls back and
     * rethrows ({@link SQLException} wrapped in {@link StoreException}, runtime exceptions as they
     * are). When this returns, the commit is durable.
     */
    public <T> T write(SqlWork<T> work) {
        return write(work, true);
    }

    /**
     * Like {@link #write}, but the commit does not wait for the disk: a crash (of the machine, or
     * of the process on PostgreSQL) may lose it, though never part of it, and it is durable once any
     * later {@link #write} has committed. For writes whose loss costs only a repetition, such as
     * deleting acknowledged mail that would otherwise be delivered again.
     */
    public <T> T writeWithoutSync(SqlWork<T> work) {
        return write(work, false);
    }

    private <T> T write(SqlWork<T> work, boolean sync) {
        if (dialect() == Dialect.SQLITE) {
            sqliteWriteLock.lock();
            try {
                return sync ? transaction(writers, work, 1) : sqliteWithoutSync(work);
            } finally {
                sqliteWriteLock.unlock();
            }
        }
        return transaction(writers, sync ? work : connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET LOCAL synchronous_commit TO OFF");
            }
            return work.run(connection);
        }, MAX_ATTEMPTS);
    }

    /**
     * SQLite's durability is a setting of the connection, not of a transaction: the one writer
     * connection commits this transaction with synchronous=NORMAL (in WAL mode the commit appends to
     * the log without an fsync) and goes back to FULL before the write lock lets anyone else write.
     * A connection that cannot go back is evicted from the pool, never reused with weaker durability.
     */
    private <T> T sqliteWithoutSync(SqlWork<T> work) {
        try (Connection connection = writers.getConnection()) {
            synchronous(connection, "NORMAL");
            try {
                return inTransaction(connection, work);
            } finally {
                try {
                    synchronous(connection, "FULL");
                } catch (SQLException e) {
                    writers.evictConnection(connection);
                    throw new StoreException("cannot restore synchronous=FULL on " + url + ": " + e.getMessage(), e);
                }
            }
        } catch (SQLException e) {
            throw new StoreException("database error on " + url + ": " + e.getMessage(), e);
        }
    }

    private static void synchronous(Connection connection, String mode) throws SQLException {
        connection.setAutoCommit(true); // the pragma only applies outside a transaction
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA synchronous = " + mode);
        }
    }

    /**
     * {@code sql} prepared on {@code connection} for one use: close it after that, inside the work
     * that was given the connection. In a write on SQLite the statement is the writer connection's
     * own, kept for later writes, and closing it only clears its parameters; otherwise (reads, and
     * PostgreSQL, whose driver keeps its own server-side statements) it is new and closing closes it.
     */
    public Prepared prepare(Connection connection, String sql) throws SQLException {
        if (dialect() == Dialect.SQLITE && sqliteWriteLock.isHeldByCurrentThread()) {
            return new Prepared(writerStatements.get(connection, sql), true);
        }
        return new Prepared(connection.prepareStatement(sql), false);
    }

    /** A statement from {@link #prepare}. */
    public static final class Prepared implements AutoCloseable {
        private final PreparedStatement statement;
        private final boolean kept;

        private Prepared(PreparedStatement statement, boolean kept) {
            this.statement = statement;
            this.kept = kept;
        }

        public PreparedStatement statement() {
            return statement;
        }

        /** Readies a kept statement for its next use (even after a failure halfway through a batch), or closes it. */
        @Override
        public void close() throws SQLException {
            if (kept) {
                statement.clearBatch();
                statement.clearParameters();
            } else {
                statement.close();
            }
        }
    }

    /** How many statements the SQLite writer keeps now (for tests). */
    int keptWriterStatements() {
        sqliteWriteLock.lock();
        try {
            return writerStatements.size();
        } finally {
            sqliteWriteLock.unlock();
        }
    }

    /**
     * Runs {@code work} in a read-only transaction: on SQLite it sees one consistent snapshot;
     * on PostgreSQL (read committed) each statement sees the latest commits.
     */
    public <T> T read(SqlWork<T> work) {
        return transaction(readers, work, 1);
    }

    private <T> T transaction(HikariDataSource pool, SqlWork<T> work, int attempts) {
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = pool.getConnection()) {
                // Pooled connections idle in auto-commit mode (HikariCP restores it when the
                // connection is returned): sqlite-jdbc begins the next transaction as soon as one
                // ends, so an idle writer would otherwise hold the file's write lock, blocking
                // other processes, and idle readers an old WAL snapshot.
                return inTransaction(connection, work);
            } catch (SQLException e) {
                if (attempt < attempts && retryable(e)) {
                    continue;
                }
                throw new StoreException("database error on " + url + ": " + e.getMessage(), e);
            }
        }
    }

    private static <T> T inTransaction(Connection connection, SqlWork<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(connection, e);
            throw e;
        }
    }

    /** Deadlock detected or serialization failure: PostgreSQL aborted the transaction; it can run again. */
    private static boolean retryable(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    @Override
    public void close() {
        sqliteWriteLock.lock();
        try {
            writerStatements.clear();
        } finally {
            sqliteWriteLock.unlock();
        }
        readers.close();
        writers.close();
    }
}
