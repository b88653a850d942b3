package org.parley.cli;

import io.netty.util.NetUtil;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.ServerAddress;
import org.parley.server.bridge.Bridge;
import org.parley.server.bridge.BridgeCertificate;
import org.parley.server.bridge.BridgeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code parley proxy}: a bridge for people whose network blocks the server. TLS with the bridge's
 * own certificate, then every connection relayed byte for byte to {@code --to}; the client's TLS to
 * the server runs inside, or a browser's tunnel (inside TLS the bridge runs to the server), so the
 * bridge reads nothing. Prints the bridge link and its QR code.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Run a bridge to a Parley server for people whose network blocks it: TLS on --listen with the bridge's "
                + "own certificate, each connection relayed to --to unread (the client's own TLS to the server runs inside; "
                + "a browser's end-to-end tunnel runs inside TLS the bridge opens to the server).",
                "Prints the bridge link (parley://bridge?...) and its QR code to share. Logs counts, never client addresses."})
final class ProxyCommand implements Runnable {
    /** The scheme --to may start with: https (the default) or http, for a server without TLS. */
    private static final Pattern SCHEME = Pattern.compile("(https?)://", Pattern.CASE_INSENSITIVE);

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen = "0.0.0.0:" + BridgeConfig.DEFAULT_PORT;

    @Option(names = "--to", paramLabel = "HOST:PORT", required = true,
            description = "The Parley server to relay to, as this machine reaches it: its TLS port (HOST:PORT, or https://HOST:PORT), "
                    + "or http://HOST:PORT for a server without TLS (one on this machine).")
    String to;

    @Option(names = "--server", paramLabel = "URL",
            description = "The server's URL for the link, when clients should name it otherwise than https://<--to> "
                    + "(the name its certificate is for).")
    String serverUrl;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Where the bridge keeps the certificate it makes for itself on first start (default: ~/.parley-bridge).")
    Path data = Path.of(System.getProperty("user.home"), ".parley-bridge");

    @Option(names = "--cert", paramLabel = "PEM", description = "Use this certificate chain (PEM) instead of a self-made one.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "The private key (PEM) of --cert.")
    Path key;

    @Option(names = "--public-host", paramLabel = "NAME",
            description = "The name or address people reach the bridge at, for the link (default: the --listen host, "
                    + "or this machine's first non-loopback address).")
    String publicHost;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            description = "Open connections one address (an IPv6 /64) may hold; more are closed at once (default: ${DEFAULT-VALUE}).")
    int maxPerAddress = BridgeConfig.DEFAULT_MAX_CONNECTIONS_PER_NETWORK;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open connections in all; more are closed at once (default: ${DEFAULT-VALUE}).")
    int maxConnections = BridgeConfig.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS",
            description = "Time a client has to finish its TLS handshake, and then the server to answer the bridge's connection (default: ${DEFAULT-VALUE}).")
    long handshakeTimeoutSeconds = BridgeConfig.DEFAULT_HANDSHAKE_TIMEOUT.toSeconds();

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "A relayed connection that passes no byte either way this long is closed (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds = BridgeConfig.DEFAULT_IDLE_TIMEOUT.toSeconds();

    @Override
    public void run() {
        Logging.atLeastInfo();
        InetSocketAddress listenAddress = hostPort("--listen", listen, "0.0.0.0", false);
        Matcher scheme = SCHEME.matcher(to);
        boolean hasScheme = scheme.lookingAt();
        boolean plainUpstream = hasScheme && scheme.group(1).equalsIgnoreCase("http");
        InetSocketAddress upstream = hostPort("--to", hasScheme ? to.substring(scheme.end()) : to, null, true);
        String upstreamHostPort = bracketed(upstream.getHostString()) + ":" + upstream.getPort();
        ServerAddress server = ServerAddress.parse(serverUrl != null ? serverUrl
                : (plainUpstream ? "http://" : "https://") + upstreamHostPort);
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("give both --cert CERT.pem and --key KEY.pem, or neither for a self-made certificate");
        }
        if (handshakeTimeoutSeconds < 1 || idleTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--handshake-timeout and --idle-timeout must be at least 1 second");
        }
        BridgeConfig config = BridgeConfig.of(listenAddress, upstream).withLimits(maxPerAddress, maxConnections)
                .withTimeouts(Duration.ofSeconds(handshakeTimeoutSeconds), Duration.ofSeconds(idleTimeoutSeconds));
        if (plainUpstream) {
            config = config.withPlainUpstream();
        }
        String linkHost = publicHost != null ? publicHost : defaultPublicHost(listenAddress.getAddress());
        BridgeCertificate certificate;
        try {
            certificate = cert != null ? BridgeCertificate.fromPem(cert, key) : BridgeCertificate.loadOrCreate(data, linkHost);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the bridge's certificate: " + e.getMessage(), e);
        }
        Bridge bridge;
        try {
            bridge = Bridge.start(config, certificate);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage()
                    + " (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another with --listen)", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "parley-bridge-shutdown"));
        BridgeLink link = new BridgeLink(linkHost, bridge.address().getPort(), Optional.of(certificate.pin()), Optional.of(server));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Parley bridge listening on " + bracketed(bridge.address().getAddress().getHostAddress()) + ":"
                + bridge.address().getPort() + ", relaying to " + (plainUpstream ? "http://" : "") + upstreamHostPort);
        out.println(cert != null ? "certificate: " + cert : "certificate: self-made, kept in " + data);
        if (publicHost == null && listenAddress.getAddress().isAnyLocalAddress()) {
            out.println("The link names " + linkHost + "; if people reach this machine by another name or address, "
                    + "restart with --public-host NAME.");
        }
        out.println("Share this link, or the QR code below, with people who cannot reach the server:");
        out.println(link);
        out.print(System.console() != null ? TerminalQrCode.forTerminal(link.toString()) : TerminalQrCode.render(link.toString()));
        out.flush();
        try {
            new CountDownLatch(1).await(); // until the JVM shuts down; the hook closes the bridge
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads {@code [HOST:]PORT} ({@code HOST:PORT} when the host is required); an IPv6 host in
     * brackets. The --to host stays unresolved, so that each connection looks it up afresh.
     */
    private static InetSocketAddress hostPort(String option, String text, String defaultHost, boolean keepUnresolved) {
        String usage = option + " takes " + (defaultHost == null ? "HOST:PORT" : "[HOST:]PORT") + ", as in "
                + (defaultHost == null ? "chat.example.org:443" : "0.0.0.0:443") + ", got '" + text + "'";
        int colon = text.lastIndexOf(':');
        boolean bareIpv6 = colon > 0 && text.indexOf(':') != colon && !text.startsWith("[");
        if (bareIpv6 || (colon < 0 && defaultHost == null) || colon == 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(usage);
        }
        String host = colon < 0 ? defaultHost : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage);
        }
        if (port < (keepUnresolved ? 1 : 0) || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException(usage);
        }
        if (keepUnresolved) {
            return InetSocketAddress.createUnresolved(host, port);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(option + ": cannot resolve '" + host + "'");
        }
        return address;
    }

    /** The listen address itself, unless it is the wildcard: then this machine's first address others may reach. */
    private static String defaultPublicHost(InetAddress listen) {
        if (!listen.isAnyLocalAddress()) {
            return listen.getHostAddress();
        }
        try {
            InetAddress best = null;
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    boolean usable = nic.isUp() && !address.isLoopbackAddress() && !address.isLinkLocalAddress();
                    if (usable && (best == null || address instanceof Inet4Address && !(best instanceof Inet4Address))) {
                        best = address;
                    }
                }
            }
            return best != null ? best.getHostAddress() : InetAddress.getLoopbackAddress().getHostAddress();
        } catch (SocketException e) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
    }

    private static String bracketed(String host) {
        return NetUtil.isValidIpV6Address(host) ? "[" + host + "]" : host;
    }
}
