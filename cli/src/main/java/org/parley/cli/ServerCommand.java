package org.parley.cli;

import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.calls.UdpRelayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;

/** {@code parley server}: runs a server node until SIGTERM or Ctrl-C, then drains and stops. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the Parley server (WebSocket at /v1/ws, /healthz, /metrics, attachments, UDP call relay).")
final class ServerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: 127.0.0.1:7878).")
    String listen = ServerConfig.DEFAULT_HOST + ":" + ServerConfig.DEFAULT_PORT;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain (PEM); required off loopback.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--invite-only", description = "Registration needs an invite code (parley admin invite).")
    boolean inviteOnly;

    @Option(names = "--max-attachment-mb", paramLabel = "N", description = "Largest attachment upload in MiB (default: 100).")
    long maxAttachmentMb = 100;

    @Option(names = "--registration-limit", paramLabel = "N",
            description = "Accounts one source address may create per hour (default: ${DEFAULT-VALUE}).")
    int registrationLimit = ServerConfig.DEFAULT_REGISTRATIONS_PER_HOUR;

    @Option(names = "--media-port", paramLabel = "PORT",
            description = "UDP port of the call relay, on the --listen host (default: ${DEFAULT-VALUE}); 0 disables UDP, "
                    + "calls then go over the WebSocket only.")
    int mediaPort = UdpRelayServer.DEFAULT_PORT;

    @Option(names = "--send-tokens-per-day", paramLabel = "N",
            description = "Anonymous send tokens (one per sealed send) one account may get per UTC day (default: ${DEFAULT-VALUE}).")
    int sendTokensPerDay = ServerConfig.SealedSending.DEFAULT_SEND_TOKENS_PER_DAY;

    @Override
    public void run() {
        Logging.atLeastInfo();
        ServerConfig config = serverConfig();
        if (maxAttachmentMb < 1) {
            throw new IllegalArgumentException("--max-attachment-mb must be at least 1");
        }
        StoreConfig storeConfig = store.storeConfig().withAttachmentMaxBytes(maxAttachmentMb * 1024 * 1024);
        config.checkListenIsSafe(); // before touching the data folder
        ServerStores opened = ServerStores.open(storeConfig);
        ParleyServer server;
        try {
            server = ParleyServer.start(config, opened);
        } catch (Exception e) {
            opened.close();
            throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage()
                    + " (is another server running? choose another port with --listen)", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            opened.close();
        }, "parley-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        // The address every client command takes (--server), then where its WebSocket is.
        boolean tls = config.tls().isPresent();
        out.println("Parley server listening on " + (tls ? "https://" : "http://") + hostPort(server)
                + " (WebSocket " + (tls ? "wss://" : "ws://") + hostPort(server) + "/v1/ws)");
        out.println(server.mediaAddress().map(media -> "calls: UDP relay on port " + media.getPort() + ", WebSocket fallback")
                .orElse("calls: over the WebSocket only (UDP relay disabled with --media-port 0)"));
        out.println("data: " + (storeConfig.url().sqliteFile() != null ? storeConfig.url().sqliteFile().getParent()
                : storeConfig.url() + ", attachments in " + storeConfig.attachmentDirectory()));
        out.flush();
        try {
            new CountDownLatch(1).await(); // until the JVM shuts down; the hook drains
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostPort(ParleyServer server) {
        var address = server.address();
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    ServerConfig serverConfig() {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            throw new IllegalArgumentException("--listen takes HOST:PORT, as in 127.0.0.1:7878, got '" + listen + "'");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen needs a port from 0 to 65535, got '" + listen.substring(colon + 1) + "'");
        }
        ServerConfig config = ServerConfig.defaults().withListen(host, port).withInviteOnly(inviteOnly)
                .withLimits(ServerConfig.Limits.defaults().withRegistrationsPerHour(registrationLimit));
        if (mediaPort < 0 || mediaPort > 65535) {
            throw new IllegalArgumentException("--media-port needs a UDP port from 1 to 65535, or 0 to disable UDP, got " + mediaPort);
        }
        config = config.withCalls(config.calls().withMediaPort(mediaPort == 0 ? OptionalInt.empty() : OptionalInt.of(mediaPort)));
        if (sendTokensPerDay < 1) {
            throw new IllegalArgumentException("--send-tokens-per-day must be at least 1, got " + sendTokensPerDay);
        }
        config = config.withSealedSending(config.sealed().withSendTokensPerDay(sendTokensPerDay));
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("give both --tls-cert CERT.pem and --tls-key KEY.pem, or neither");
        }
        if (tlsCert != null) {
            for (Path file : new Path[] {tlsCert, tlsKey}) {
                if (!Files.isReadable(file)) {
                    throw new IllegalArgumentException("cannot read " + file + ": give a readable PEM file");
                }
            }
            config = config.withTls(new ServerConfig.Tls(tlsCert, tlsKey));
        }
        return config;
    }
}
