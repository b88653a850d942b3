package org.parley.cli;

import io.netty.util.NetUtil;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.bus.InProcessBus;
import org.parley.server.bus.MessageBus;
import org.parley.server.bus.NatsMessageBus;
import org.parley.server.acme.AcmeSettings;
import org.parley.server.acme.CertificateUnavailableException;
import org.parley.server.calls.UdpRelayServer;
import org.parley.server.transport.HttpRouter;
import org.parley.server.transport.TrustedProxies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;

/** {@code parley server}: runs a server node until SIGTERM or Ctrl-C, then drains and stops. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the Parley server (WebSocket at /v1/ws or --ws-path, /healthz, attachments, UDP call relay; /metrics on "
                + "--admin-listen or with --metrics-token).")
final class ServerCommand implements Runnable {
    private static final int HTTPS_PORT = 443;
    private static final String DEFAULT_LISTEN = ServerConfig.DEFAULT_HOST + ":" + ServerConfig.DEFAULT_PORT;
    /** A server that gets its own certificate is meant to be reached: every address, the HTTPS port. */
    private static final String DEFAULT_PUBLIC_LISTEN = "0.0.0.0:" + HTTPS_PORT;

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: " + DEFAULT_LISTEN
            + "; with --domain, " + DEFAULT_PUBLIC_LISTEN + ").")
    String listen;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain (PEM); off loopback, this or --domain is required.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--domain", paramLabel = "NAME",
            description = "Get a certificate for NAME from an ACME CA (Let's Encrypt unless --acme-directory), serve it and renew it"
                    + " while running; repeatable for more names, the first is the main one. NAME must point at this server.")
    List<String> domains = new ArrayList<>();

    @Option(names = "--acme-directory", paramLabel = "URL", description = "The ACME CA's directory (default: ${DEFAULT-VALUE}).")
    String acmeDirectory = AcmeSettings.LETS_ENCRYPT.toString();

    @Option(names = "--acme-email", paramLabel = "ADDRESS", description = "Contact address for the CA's notices (optional).")
    String acmeEmail;

    @Option(names = "--acme-http-port", paramLabel = "PORT",
            description = "Plain-HTTP port that answers the CA's HTTP-01 challenge and redirects everything else to https"
                    + " (default: ${DEFAULT-VALUE}); 0: none, the CA validates with TLS-ALPN-01 on the TLS port instead.")
    int acmeHttpPort = AcmeSettings.DEFAULT_HTTP_PORT;

    @Option(names = "--acme-ca-cert", paramLabel = "PEM",
            description = "Trust this CA certificate for the ACME directory's HTTPS (a private CA such as step-ca); default: the"
                    + " JDK's trusted roots.")
    Path acmeCaCert;

    @Option(names = "--invite-only", description = "Registration needs an invite code (parley admin invite).")
    boolean inviteOnly;

    @Option(names = "--max-attachment-mb", paramLabel = "N", description = "Largest attachment upload in MiB (default: 100).")
    long maxAttachmentMb = 100;

    @Option(names = "--retention-days", paramLabel = "N",
            description = "Delete what has not been used for N days (default: ${DEFAULT-VALUE}): undelivered mail, groups without "
                    + "a commit, attachments, key packages of devices not seen.")
    int retentionDays = 30;

    @Option(names = "--registration-limit", paramLabel = "N",
            description = "Accounts and link requests one network (an IPv4 address, an IPv6 /64) may make per hour "
                    + "(default: ${DEFAULT-VALUE}).")
    int registrationLimit = ServerConfig.DEFAULT_REGISTRATIONS_PER_HOUR;

    @Option(names = "--media-port", paramLabel = "PORT",
            description = "UDP port of the call relay, on the --listen host (default: ${DEFAULT-VALUE}); 0 disables UDP, "
                    + "calls then go over the WebSocket only.")
    int mediaPort = UdpRelayServer.DEFAULT_PORT;

    @Option(names = "--media-address", paramLabel = "HOST",
            description = "Where clients send this node's UDP call media when not to the host of their server URL: the node's"
                    + " own public name or address when several nodes share one load balancer URL (which carries TCP only).")
    String mediaAddress;

    @Option(names = "--webtransport-port", paramLabel = "PORT",
            description = "Also serve the call relay over WebTransport (HTTP/3 on this UDP port, 0 for any free one) so "
                    + "browsers send call media as datagrams, not over the WebSocket; off unless given.")
    Integer webTransportPort;

    @Option(names = "--send-tokens-per-day", paramLabel = "N",
            description = "Anonymous send tokens (one per sealed send) one account may get per UTC day (default: ${DEFAULT-VALUE}).")
    int sendTokensPerDay = ServerConfig.SealedSending.DEFAULT_SEND_TOKENS_PER_DAY;

    @Option(names = "--unsealed-inbound-per-minute", paramLabel = "N",
            description = "Unsealed sends one account may receive per minute from all senders together, in bursts of"
                    + " twice that (default: ${DEFAULT-VALUE}).")
    int unsealedInboundPerMinute = ServerConfig.SealedSending.defaults().inboundPerMinute();

    @Option(names = "--attachment-quota-mb", paramLabel = "N",
            description = "Attachment MiB one account may upload per UTC day (default: ${DEFAULT-VALUE}).")
    long attachmentQuotaMb = ServerConfig.Quotas.DEFAULT_ATTACHMENT_MIB_PER_DAY;

    @Option(names = "--upload-timeout", paramLabel = "SECONDS",
            description = "The longest one attachment upload may take before it is cut off (default: ${DEFAULT-VALUE}).")
    long uploadTimeoutSeconds = ServerConfig.Quotas.DEFAULT_UPLOAD_TIMEOUT.toSeconds();

    @Option(names = "--trusted-proxy", paramLabel = "CIDR[,CIDR]",
            description = "Reverse proxies whose X-Forwarded-For header names the client (default: none, the header is ignored).")
    String trustedProxies;

    @Option(names = "--proxy-protocol",
            description = "Every connection starts with a PROXY protocol (v1 or v2) header from a load balancer.")
    boolean proxyProtocol;

    @Option(names = "--admin-listen", paramLabel = "[HOST:]PORT",
            description = "Serve /metrics and /healthz on this separate address (host 127.0.0.1 unless given).")
    String adminListen;

    @Option(names = "--ws-path", paramLabel = "PATH",
            description = "Answer the WebSocket at this path instead (default: ${DEFAULT-VALUE}); /v1/ws then answers like any"
                    + " unknown path. Clients give it in the server URL: https://HOST/PATH.")
    String webSocketPath = HttpRouter.DEFAULT_WEBSOCKET_PATH;

    @Option(names = "--metrics-token", paramLabel = "TOKEN",
            description = "Bearer token that opens /metrics, also on the public listener (or $PARLEY_METRICS_TOKEN).")
    String metricsToken;

    @Option(names = "--alternate", paramLabel = "URL|BRIDGE_LINK",
            description = "Another address of this server (repeatable, in order), announced to clients signed by the server's key.")
    List<String> alternates = new ArrayList<>();

    @Option(names = "--log-format", paramLabel = "text|json",
            description = "How log lines on standard error look: text, or json (one JSON object per line) (default: ${DEFAULT-VALUE}).")
    String logFormat = "text";

    @Option(names = "--drain-timeout", paramLabel = "SECONDS",
            description = "On SIGTERM, how long to wait for in-flight sends to be stored and answered before connections are"
                    + " closed with a reconnect hint (default: ${DEFAULT-VALUE}).")
    long drainTimeoutSeconds = ParleyServer.DEFAULT_DRAIN_TIMEOUT.toSeconds();

    @Option(names = "--bus", paramLabel = "nats://HOST:PORT[,...]",
            description = "Run as one of several nodes sharing the --db PostgreSQL database: tell the others of new mail, and"
                    + " pass on the media of calls across nodes, over these NATS servers (a cluster's URLs, comma-separated). Without it the node is alone (in-process bus).")
    String bus;

    @Option(names = "--node-id", paramLabel = "NAME",
            description = "This node's name among several (letters, digits, . _ : -; up to 64), shown in the NATS server's"
                    + " monitoring and the log (default: this machine's host name and the --listen port, as in chat1:7878).")
    String nodeId;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings file (TOML; each key a flag's name, as in retention-days = 30) (default: $PARLEY_CONFIG, else "
                    + ServerSettings.DEFAULT_FILE_NAME + " in the data folder if there is one). Environment PARLEY_* variables"
                    + " override it, flags override both.")
    Path configFile;

    @Option(names = "--print-config", description = "Print the effective settings and where each came from (secrets masked), then exit.")
    boolean printConfig;

    /** Where PARLEY_* settings are read from; tests give their own. */
    Map<String, String> environment = System.getenv();

    @Override
    public void run() {
        List<ServerSettings.Setting> settings = ServerSettings.resolve(spec, configFile, environment);
        if (printConfig) {
            ServerSettings.print(settings, spec.commandLine().getOut());
            return;
        }
        Logging.useFormat(logFormat);
        Logging.atLeastInfo();
        if (drainTimeoutSeconds < 0) {
            throw new IllegalArgumentException("--drain-timeout must be 0 or more seconds, got " + drainTimeoutSeconds);
        }
        ServerConfig config = serverConfig();
        if (maxAttachmentMb < 1) {
            throw new IllegalArgumentException("--max-attachment-mb must be at least 1");
        }
        if (retentionDays < 1) {
            throw new IllegalArgumentException("--retention-days must be at least 1");
        }
        StoreConfig storeConfig = store.storeConfig().withAttachmentMaxBytes(maxAttachmentMb * 1024 * 1024)
                .withRetentionDays(retentionDays);
        config.checkListenIsSafe(); // before touching the data folder
        List<String> busUrls = busUrls(storeConfig);
        String node = NodeIds.checked(nodeId != null ? nodeId : NodeIds.defaultFor(config.port()));
        ServerStores opened = ServerStores.open(storeConfig);
        MessageBus messageBus;
        try {
            messageBus = busUrls.isEmpty() ? new InProcessBus() : NatsMessageBus.connect(busUrls, node);
        } catch (IllegalStateException e) {
            opened.close();
            throw e; // names the NATS URLs that did not answer
        }
        ParleyServer server;
        try {
            server = ParleyServer.start(config, opened, messageBus); // closes the bus if it fails
        } catch (IllegalArgumentException | CertificateUnavailableException e) {
            opened.close();
            // A setting the server refused (a --ws-path that is a file of the web app), or why the ACME CA issued no
            // certificate: its message says what to fix.
            throw e;
        } catch (Exception e) {
            opened.close();
            throw new IllegalStateException("cannot listen on " + listenAddress() + ": " + e.getMessage()
                    + " (is another server running? choose another port with --listen)", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(Duration.ofSeconds(drainTimeoutSeconds));
            opened.close();
        }, "parley-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        // The address every client command takes (--server; with a moved WebSocket, its path too), then where its WebSocket is.
        boolean tls = config.servesTls();
        String path = config.edge().webSocketPath();
        String where = config.acme().map(acme -> acme.mainDomain() + (server.address().getPort() == HTTPS_PORT ? ""
                : ":" + server.address().getPort())).orElse(hostPort(server));
        out.println("Parley server listening on " + (tls ? "https://" : "http://") + where
                + (path.equals(HttpRouter.DEFAULT_WEBSOCKET_PATH) ? "" : path)
                + " (WebSocket " + (tls ? "wss://" : "ws://") + where + path + ")");
        server.acmeCertificate().ifPresent(certificate -> out.println("certificate: from " + config.acme().get().directory()
                + " for " + String.join(", ", config.acme().get().domains()) + ", valid until " + certificate.getNotAfter().toInstant()
                + ", renewed automatically" + server.acmeHttpAddress().map(http -> "; HTTP-01 and redirects on port " + http.getPort())
                .orElse("")));
        out.println(server.mediaAddress().map(media -> "calls: UDP relay on port " + media.getPort() + ", WebSocket fallback")
                .orElse("calls: over the WebSocket only (UDP relay disabled with --media-port 0)"));
        server.webTransportAddress().ifPresent(webTransport -> out.println("calls: WebTransport (HTTP/3) for browsers on UDP port "
                + webTransport.getPort()));
        server.adminAddress().ifPresent(admin -> out.println("admin: /metrics and /healthz on http://" + hostPort(admin)));
        // Public: users compare it with what 'parley servers' shows they pinned.
        out.println("server key: " + HexFormat.of().formatHex(server.publicKey())
                + (alternates.isEmpty() ? "" : "; announcing " + String.join(", ", alternates)));
        if (!busUrls.isEmpty()) {
            out.println("node " + node + " of several: mail notifications and call media over NATS (" + busUrls.size() + " server URL"
                    + (busUrls.size() == 1 ? "" : "s") + ")");
        }
        out.println("data: " + (storeConfig.url().sqliteFile() != null ? storeConfig.url().sqliteFile().getParent()
                : storeConfig.url() + ", attachments in " + storeConfig.attachmentDirectory()));
        out.flush();
        try {
            new CountDownLatch(1).await(); // until the JVM shuts down; the hook drains
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The NATS URLs of --bus, or none; refused over SQLite, whose one file several nodes cannot share. */
    private List<String> busUrls(StoreConfig storeConfig) {
        if (bus == null || bus.isBlank()) {
            return List.of();
        }
        if (storeConfig.url().sqliteFile() != null) {
            throw new IllegalArgumentException("--bus joins several nodes over one shared database, and a SQLite file cannot be"
                    + " shared between nodes: give --db postgresql://HOST:PORT/DB?user=NAME too, or leave out --bus for one node");
        }
        return NatsMessageBus.parseUrls(bus);
    }

    private static String hostPort(ParleyServer server) {
        return hostPort(server.address());
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private ServerConfig.Edge edge() {
        ServerConfig.Edge edge = ServerConfig.Edge.defaults().withProxyProtocol(proxyProtocol).withWebSocketPath(webSocketPath);
        if (trustedProxies != null) {
            edge = edge.withTrustedProxies(TrustedProxies.parse(trustedProxies));
        }
        if (metricsToken != null && !metricsToken.isBlank()) {
            edge = edge.withMetricsToken(metricsToken);
        }
        if (adminListen != null) {
            int colon = adminListen.lastIndexOf(':');
            String host = colon < 0 ? ServerConfig.DEFAULT_HOST : adminListen.substring(0, colon).replace("[", "").replace("]", "");
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(host);
            int port = port(adminListen.substring(colon + 1));
            if (address == null || port < 0) {
                throw new IllegalArgumentException("--admin-listen takes [HOST:]PORT with an IP address, as in 127.0.0.1:9090, got '"
                        + adminListen + "'");
            }
            edge = edge.withAdminListen(new InetSocketAddress(address, port));
        }
        return edge;
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            return port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String listenAddress() {
        return listen != null ? listen : domains.isEmpty() ? DEFAULT_LISTEN : DEFAULT_PUBLIC_LISTEN;
    }

    ServerConfig serverConfig() {
        String address = listenAddress();
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("--listen takes HOST:PORT, as in 127.0.0.1:7878, got '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen needs a port from 0 to 65535, got '" + address.substring(colon + 1) + "'");
        }
        ServerConfig config = ServerConfig.defaults().withListen(host, port).withInviteOnly(inviteOnly)
                .withLimits(ServerConfig.Limits.defaults().withRegistrationsPerHour(registrationLimit));
        if (mediaPort < 0 || mediaPort > 65535) {
            throw new IllegalArgumentException("--media-port needs a UDP port from 1 to 65535, or 0 to disable UDP, got " + mediaPort);
        }
        config = config.withCalls(config.calls().withMediaPort(mediaPort == 0 ? OptionalInt.empty() : OptionalInt.of(mediaPort)));
        if (mediaAddress != null && !mediaAddress.isBlank()) {
            config = config.withCalls(config.calls().withMediaHost(Optional.of(mediaAddress.strip())));
        }
        if (webTransportPort != null) {
            if (webTransportPort < 0 || webTransportPort > 65535) {
                throw new IllegalArgumentException("--webtransport-port needs a UDP port from 0 to 65535, got " + webTransportPort);
            }
            config = config.withCalls(config.calls().withWebTransportPort(OptionalInt.of(webTransportPort)));
        }
        if (sendTokensPerDay < 1) {
            throw new IllegalArgumentException("--send-tokens-per-day must be at least 1, got " + sendTokensPerDay);
        }
        if (unsealedInboundPerMinute < 1 || unsealedInboundPerMinute > 1_000_000) {
            throw new IllegalArgumentException("--unsealed-inbound-per-minute must be from 1 to 1000000, got " + unsealedInboundPerMinute);
        }
        config = config.withSealedSending(config.sealed().withSendTokensPerDay(sendTokensPerDay)
                .withInbound(unsealedInboundPerMinute, 2 * unsealedInboundPerMinute));
        if (attachmentQuotaMb < 1 || uploadTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--attachment-quota-mb and --upload-timeout must be at least 1");
        }
        config = config.withQuotas(config.quotas().withAttachmentMibPerDay(attachmentQuotaMb)
                .withUploadTimeout(Duration.ofSeconds(uploadTimeoutSeconds)));
        config = config.withEdge(edge());
        for (String alternate : alternates) {
            // Read as clients will (their registered server stands in for a bridge link that names none).
            Endpoint.parse(alternate, ServerAddress.parse("http://localhost"));
        }
        config = config.withAlternates(alternates);
        if (!domains.isEmpty() && (tlsCert != null || tlsKey != null)) {
            throw new IllegalArgumentException("--domain gets a certificate through ACME: leave out --tls-cert and --tls-key,"
                    + " or leave out --domain to serve your own");
        }
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
        return domains.isEmpty() ? config : config.withAcme(acmeSettings());
    }

    private AcmeSettings acmeSettings() {
        URI directory;
        try {
            directory = new URI(acmeDirectory);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--acme-directory must be an https:// URL, got '" + acmeDirectory + "'");
        }
        if (acmeHttpPort < 0 || acmeHttpPort > 65535) {
            throw new IllegalArgumentException("--acme-http-port must be from 1 to 65535, or 0 for none, got " + acmeHttpPort);
        }
        AcmeSettings acme = AcmeSettings.forDomains(domains, store.data.toAbsolutePath().normalize().resolve(AcmeSettings.DATA_FOLDER))
                .withDirectory(directory).withHttpPort(acmeHttpPort);
        if (acmeEmail != null && !acmeEmail.isBlank()) {
            acme = acme.withEmail(acmeEmail.strip());
        }
        if (acmeCaCert != null) {
            if (!Files.isReadable(acmeCaCert)) {
                throw new IllegalArgumentException("cannot read --acme-ca-cert " + acmeCaCert + ": give a readable PEM file");
            }
            acme = acme.withDirectoryTrust(acmeCaCert);
        }
        return acme;
    }
}
