package org.parley.bench.spam;

import org.parley.bench.load.Loopback;
import org.parley.bench.load.parley.ServerUrl;
import org.parley.client.net.ServerAddress;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code parley bench spam}: the spam wave of issue 13 against a server this command starts (by
 * default, so that its heap can be measured) or one already running on this machine.
 */
@Command(name = "spam",
        description = {"A spam wave: N bot accounts flood M honest users, unsealed and sealed, while the honest users write to each other sealed.",
                "Four phases: calm; every bot floods unsealed; old-contact bots also flood sealed with the honest users' access keys and tokens;",
                "the honest users block (new access keys, no unsealed sends) and the bots go on.",
                "Reports the honest messages' delivery and p50/p99, the server's answers to the bots by error code, and the heap after GC.",
                "Progress goes to standard error; the report (Markdown) to standard output."})
public final class SpamCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--bots", defaultValue = "1000", description = "Bot accounts (default ${DEFAULT-VALUE}).")
    int bots;

    @Option(names = "--honest", defaultValue = "20", description = "Honest users (default ${DEFAULT-VALUE}).")
    int honest;

    @Option(names = "--old-contacts", defaultValue = "100", paramLabel = "N",
            description = "Bots that know the honest users' access keys from before and send sealed (default ${DEFAULT-VALUE}).")
    int oldContacts;

    @Option(names = "--invite-only", description = {"The server requires invite codes: every account registers with one,",
            "made in the server's store (as 'parley admin invite' does; with --server, give --data or --db)."})
    boolean inviteOnly;

    @Option(names = "--honest-rate", defaultValue = "100", paramLabel = "MSGS_PER_S",
            description = "Messages/s the honest users send altogether (default ${DEFAULT-VALUE}).")
    double honestRate;

    @Option(names = "--bot-rate", defaultValue = "2", paramLabel = "MSGS_PER_S", description = "Messages/s each bot sends (default ${DEFAULT-VALUE}).")
    double botRate;

    @Option(names = "--phase-seconds", defaultValue = "5", paramLabel = "S", description = "Length of each of the four phases (default ${DEFAULT-VALUE}).")
    int phaseSeconds;

    @Option(names = "--tokens-per-bot", defaultValue = "20", paramLabel = "N",
            description = "Send tokens an old-contact bot fetches at a time (default ${DEFAULT-VALUE}).")
    int tokensPerBot;

    @Option(names = "--drain", defaultValue = "10", paramLabel = "S", description = "Longest wait for honest messages in flight at the end (default ${DEFAULT-VALUE}).")
    int drain;

    @Option(names = "--heap-bound", defaultValue = "512", paramLabel = "MIB",
            description = "The bound on the heap after a full GC, server and generator together (in-process only; default ${DEFAULT-VALUE}).")
    int heapBoundMiB;

    @Option(names = "--send-tokens-per-day", paramLabel = "N", description = {"The daily send-token allowance per account of the server started here",
            "(as 'parley server --send-tokens-per-day'; default: the server's, " + ServerConfig.SealedSending.DEFAULT_SEND_TOKENS_PER_DAY + ")."})
    Integer sendTokensPerDay;

    @Option(names = "--threads", paramLabel = "N", description = "Generator event-loop threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--server", paramLabel = "URL", converter = ServerUrl.class,
            description = {"A running server on this machine (http://HOST:PORT) instead of one started here;", "its heap is then not measured."})
    ServerAddress server;

    @Option(names = "--data", paramLabel = "DIR", description = "With --server --invite-only: the server's data folder, for invite codes.")
    Path data;

    @Option(names = "--db", paramLabel = "URL", description = "With --server --invite-only: the server's database URL, for invite codes.")
    String db;

    @Override
    public Integer call() throws Exception {
        SpamConfig config = new SpamConfig(bots, honest, oldContacts, inviteOnly, honestRate, botRate, phaseSeconds, tokensPerBot,
                drain, heapBoundMiB, sendTokensPerDay != null ? sendTokensPerDay : ServerConfig.SealedSending.DEFAULT_SEND_TOKENS_PER_DAY,
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        SpamReport report;
        if (server == null) {
            if (data != null || db != null) {
                throw new IllegalArgumentException("--data and --db go with --server: without it the server starts here, with its own data");
            }
            report = SpamRun.runInProcess(config, System.err);
        } else {
            if (sendTokensPerDay != null) {
                throw new IllegalArgumentException("--send-tokens-per-day is for the server started here; a running server has its own");
            }
            Loopback.require(new InetSocketAddress(server.host(), server.port()));
            if (inviteOnly && data == null && db == null) {
                throw new IllegalArgumentException("--invite-only with --server needs the server's --data DIR or --db URL to make invite codes");
            }
            ServerStores invites = inviteOnly ? ServerStores.openExisting(StoreConfig.forDataDirectory(
                    data != null ? data : StoreConfig.DEFAULT_DATA_DIRECTORY, db)) : null;
            try (SpamServer target = SpamServer.external(server, invites)) {
                report = new SpamRun(config, target, System.err).run();
            }
        }
        out.println();
        out.print(report.markdown());
        return 0;
    }
}
