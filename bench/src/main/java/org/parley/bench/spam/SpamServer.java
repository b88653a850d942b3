package org.parley.bench.spam;

import org.parley.bench.load.parley.ParleyEndpoint;
import org.parley.client.net.ServerAddress;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The server a spam wave targets: one this process starts (its heap can then be measured), or one
 * already running. Invite codes come from the server's store, as {@code parley admin invite} makes
 * them.
 */
abstract class SpamServer implements AutoCloseable {

    /** Where clients connect. */
    abstract ParleyEndpoint endpoint();

    /** How the report names it. */
    abstract String name();

    /** A fresh single-use invite code, or null when the server is open. */
    abstract String inviteCode();

    /** Heap in use after a full GC, or -1 when the server is not in this process. */
    abstract long heapAfterGc();

    @Override
    public abstract void close();

    /**
     * A server in this process, with the limits {@code parley server} has by default (but the
     * daily send-token allowance, as {@code parley server --send-tokens-per-day} sets it), its data in
     * a temporary folder (SQLite) that {@link #close()} deletes.
     */
    static SpamServer inProcess(boolean inviteOnly, int sendTokensPerDay) throws Exception {
        Path data = Files.createTempDirectory("parley-spam");
        ServerStores stores = ServerStores.open(StoreConfig.forDataDirectory(data, null));
        try {
            ParleyServer server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", 0).withInviteOnly(inviteOnly)
                    .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.empty()))
                    .withSealedSending(ServerConfig.SealedSending.defaults().withSendTokensPerDay(sendTokensPerDay)), stores);
            return new InProcess(server, stores, data, inviteOnly);
        } catch (Exception | Error e) {
            stores.close();
            deleteTree(data);
            throw e;
        }
    }

    /**
     * A running server; with {@code invites} (its store, opened from its data folder or database)
     * bots register with invite codes made there.
     */
    static SpamServer external(ServerAddress address, ServerStores invites) {
        return new External(address, invites);
    }

    private static final class InProcess extends SpamServer {
        private final ParleyServer server;
        private final ServerStores stores;
        private final Path data;
        private final boolean inviteOnly;
        private final ParleyEndpoint endpoint;

        InProcess(ParleyServer server, ServerStores stores, Path data, boolean inviteOnly) {
            this.server = server;
            this.stores = stores;
            this.data = data;
            this.inviteOnly = inviteOnly;
            this.endpoint = ParleyEndpoint.of(ServerAddress.parse("http://127.0.0.1:" + server.address().getPort()));
        }

        @Override
        ParleyEndpoint endpoint() {
            return endpoint;
        }

        @Override
        String name() {
            return "in-process";
        }

        @Override
        String inviteCode() {
            return inviteOnly ? HexFormat.of().formatHex(stores.accounts().createInviteCode()) : null;
        }

        @Override
        long heapAfterGc() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        @Override
        public void close() {
            server.close();
            stores.close();
            deleteTree(data);
        }
    }

    private static final class External extends SpamServer {
        private final ServerAddress address;
        private final ServerStores invites;
        private final ParleyEndpoint endpoint;

        External(ServerAddress address, ServerStores invites) {
            this.address = address;
            this.invites = invites;
            this.endpoint = ParleyEndpoint.of(address);
        }

        @Override
        ParleyEndpoint endpoint() {
            return endpoint;
        }

        @Override
        String name() {
            return address.toString();
        }

        @Override
        String inviteCode() {
            return invites == null ? null : HexFormat.of().formatHex(invites.accounts().createInviteCode());
        }

        @Override
        long heapAfterGc() {
            return -1;
        }

        @Override
        public void close() {
            if (invites != null) {
                invites.close();
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless; the run's result stands
        }
    }
}
