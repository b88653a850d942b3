package org.parley.server;

import java.nio.file.Path;
import java.time.Clock;

import org.parley.server.attachments.AttachmentStore;
import org.parley.server.mailbox.MailboxLimits;
import org.parley.server.storage.StoreUrl;

/**
 * How to open the {@link ServerStores}.
 *
 * @param url the database
 * @param attachmentDirectory where attachment blobs go ({@code DATA/attachments})
 * @param clock source of "now" for days, arrival times and expiry (tests inject a fixed one)
 * @param mailboxLimits per-device quota and retention
 * @param attachmentMaxBytes upload limit per attachment
 */
public record StoreConfig(StoreUrl url, Path attachmentDirectory, Clock clock, MailboxLimits mailboxLimits,
                          long attachmentMaxBytes) {

    /** Default name of the data directory, relative to the working directory. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("parley-data");

    public StoreConfig {
        if (url == null || attachmentDirectory == null || clock == null || mailboxLimits == null) {
            throw new IllegalArgumentException("a store needs a URL, an attachment directory, a clock and mailbox limits");
        }
        if (attachmentMaxBytes < 1) {
            throw new IllegalArgumentException("the attachment size limit must be positive, got " + attachmentMaxBytes);
        }
    }

    /**
     * The defaults for a data directory: {@code sqlite:DATA/parley.db} unless {@code databaseUrl}
     * is given (as for {@code --db}), attachments in {@code DATA/attachments}, the system UTC
     * clock, default limits.
     */
    public static StoreConfig forDataDirectory(Path dataDirectory, String databaseUrl) {
        StoreUrl url = databaseUrl == null ? StoreUrl.sqliteIn(dataDirectory) : StoreUrl.parse(databaseUrl);
        return new StoreConfig(url, dataDirectory.resolve("attachments"), Clock.systemUTC(), MailboxLimits.DEFAULT,
                AttachmentStore.DEFAULT_MAX_BYTES);
    }

    public StoreConfig withClock(Clock newClock) {
        return new StoreConfig(url, attachmentDirectory, newClock, mailboxLimits, attachmentMaxBytes);
    }

    public StoreConfig withMailboxLimits(MailboxLimits limits) {
        return new StoreConfig(url, attachmentDirectory, clock, limits, attachmentMaxBytes);
    }

    /**
     * How long the server keeps what is not used (parley server --retention-days): undelivered mail,
     * groups without a commit, attachments, and the key packages of devices not seen. Held as the
     * mailbox limits' retention, so that there is one period for everything.
     */
    public StoreConfig withRetentionDays(int days) {
        if (days < 1) {
            throw new IllegalArgumentException("the retention period must be at least one day, got " + days);
        }
        return withMailboxLimits(new MailboxLimits(mailboxLimits.maxMessages(), mailboxLimits.maxBytes(), java.time.Duration.ofDays(days)));
    }

    /** The retention period in whole days (see {@link #withRetentionDays}). */
    public int retentionDays() {
        return (int) mailboxLimits.retention().toDays();
    }

    public StoreConfig withAttachmentMaxBytes(long maxBytes) {
        return new StoreConfig(url, attachmentDirectory, clock, mailboxLimits, maxBytes);
    }
}
