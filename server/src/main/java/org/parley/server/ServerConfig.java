package org.parley.server;

import org.parley.server.acme.AcmeSettings;
import org.parley.server.calls.UdpRelayServer;
import org.parley.server.transport.HttpRouter;
import org.parley.server.transport.TrustedProxies;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a server node listens and what it tolerates; the data side (database, attachment folder
 * and size limit, mailbox quota) is the {@link StoreConfig}.
 * {@link #defaults()} gives the values of {@code parley server} without flags; tests shrink the
 * limits to exercise them.
 *
 * @param host       address to listen on; a non-loopback address requires {@code tls}
 * @param port       TCP port, 0 for an ephemeral one
 * @param tls        PEM certificate chain and PKCS#8 key, or empty for plain text on loopback
 * @param inviteOnly registration needs an invite code from {@code parley admin invite}
 * @param limits     rate limits and timeouts
 * @param calls      the call relay: its UDP port and how long a call token admits
 * @param sealed     anonymous send tokens and the limit on unsealed sends into one account
 * @param quotas     what one account may take: key package claims, attachment bytes and tickets
 * @param edge       reverse proxies, the admin listener and the metrics token
 * @param alternates the server's other addresses (URLs, bridge links), in order, announced signed to clients
 * @param acme       get the certificate from an ACME CA and renew it ({@code --domain}), instead of {@code tls}
 */
public record ServerConfig(String host, int port, Optional<Tls> tls, boolean inviteOnly, Limits limits, Calls calls,
                           SealedSending sealed, Quotas quotas, Edge edge, List<String> alternates, Optional<AcmeSettings> acme) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 7878;
    private static final String TLS_OR_ACME = "give either a certificate (--tls-cert, --tls-key) or --domain to get one through ACME, not both";

    public record Tls(Path certificateChain, Path privateKey) {
    }

    /**
     * @param mediaPort     UDP port of the call relay on the listen host (0 for an ephemeral one), or
     *                      empty to serve calls over the WebSocket only
     * @param tokenLifetime how long an issued call token admits (re-)joining the relay
     * @param webTransportPort UDP port of the relay's WebTransport (HTTP/3) listener for browsers (0 for an
     *                      ephemeral one), or empty for none
     * @param mediaHost     the host name or address clients send this node's relay UDP to, when it is not
     *                      the host of the server URL they use (several nodes behind one load balancer), or
     *                      empty for that host
     */
    public record Calls(OptionalInt mediaPort, Duration tokenLifetime, OptionalInt webTransportPort, Optional<String> mediaHost) {
        public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

        public Calls {
            if (mediaPort.isPresent() && (mediaPort.getAsInt() < 0 || mediaPort.getAsInt() > 65535)) {
                throw new IllegalArgumentException("the media port must be from 0 to 65535, was " + mediaPort.getAsInt());
            }
            if (webTransportPort.isPresent() && (webTransportPort.getAsInt() < 0 || webTransportPort.getAsInt() > 65535)) {
                throw new IllegalArgumentException("the WebTransport port must be from 0 to 65535, was " + webTransportPort.getAsInt());
            }
            if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
                throw new IllegalArgumentException("the call token lifetime must be positive, was " + tokenLifetime);
            }
            // Letters, digits, dots and dashes (a name, an IPv4 address) or an IPv6 address (two colons or more); one colon is a port.
            if (mediaHost.isPresent() && !mediaHost.get().matches("[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*")) {
                throw new IllegalArgumentException("the media address must be a host name or an IP address (without a port),"
                        + " as in chat1.example.org or 203.0.113.7, was '" + mediaHost.get() + "'");
            }
        }

        public static Calls defaults() {
            return new Calls(OptionalInt.of(UdpRelayServer.DEFAULT_PORT), DEFAULT_TOKEN_LIFETIME, OptionalInt.empty(), Optional.empty());
        }

        public Calls withMediaPort(OptionalInt newPort) {
            return new Calls(newPort, tokenLifetime, webTransportPort, mediaHost);
        }

        public Calls withTokenLifetime(Duration newLifetime) {
            return new Calls(mediaPort, newLifetime, webTransportPort, mediaHost);
        }

        public Calls withWebTransportPort(OptionalInt newPort) {
            return new Calls(mediaPort, tokenLifetime, newPort, mediaHost);
        }

        public Calls withMediaHost(Optional<String> newHost) {
            return new Calls(mediaPort, tokenLifetime, webTransportPort, newHost);
        }
    }

    /**
     * @param sendTokensPerDay      anonymous send tokens one account may be issued per UTC day
     * @param inboundPerMinute      unsealed sends one account may receive per minute, from all senders together
     * @param inboundBurst          unsealed sends one account may receive at once above that rate
     */
    public record SealedSending(int sendTokensPerDay, int inboundPerMinute, int inboundBurst) {
        public static final int DEFAULT_SEND_TOKENS_PER_DAY = 2_000;

        public SealedSending {
            if (sendTokensPerDay < 1 || inboundPerMinute < 1 || inboundBurst < 1) {
                throw new IllegalArgumentException("send tokens per day and the inbound limit must be at least 1");
            }
        }

        public static SealedSending defaults() {
            return new SealedSending(DEFAULT_SEND_TOKENS_PER_DAY, 60, 120);
        }

        public SealedSending withSendTokensPerDay(int perDay) {
            return new SealedSending(perDay, inboundPerMinute, inboundBurst);
        }

        public SealedSending withInbound(int perMinute, int burst) {
            return new SealedSending(sendTokensPerDay, perMinute, burst);
        }
    }

    /**
     * @param idleTimeout          a connection that sends nothing for this long is closed (clients ping)
     * @param slowTimeout          a connection that does not read what it is sent for this long is closed
     * @param handshakeTimeout     time allowed from TCP connect to a completed WebSocket upgrade
     * @param maxViolations        protocol violations tolerated on one connection before it is closed
     * @param framesPerSecond      sustained client frames per connection
     * @param frameBurst           frames a connection may send at once above the sustained rate
     * @param sendsPerSecond       sustained sends (and commits) per account, all devices together
     * @param sendBurst            burst allowed per account
     * @param registrationsPerHour accounts (and link requests) one network may make per hour: an IPv4
     *                             address or an IPv6 /64 (kept in memory only)
     */
    public record Limits(Duration idleTimeout, Duration slowTimeout, Duration handshakeTimeout, int maxViolations,
                         int framesPerSecond, int frameBurst, int sendsPerSecond, int sendBurst,
                         int registrationsPerHour) {

        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(10), 5,
                    5_000, 10_000, 5_000, 10_000, DEFAULT_REGISTRATIONS_PER_HOUR);
        }

        public Limits withRegistrationsPerHour(int perHour) {
            return new Limits(idleTimeout, slowTimeout, handshakeTimeout, maxViolations, framesPerSecond, frameBurst,
                    sendsPerSecond, sendBurst, perHour);
        }
    }

    public static final int DEFAULT_REGISTRATIONS_PER_HOUR = 20;

    /**
     * Per-account allowances, counted in memory only (a restart forgets them, and the database
     * never learns who claimed or uploaded what).
     *
     * @param claimsPerHour          key package claims one account may make per hour (any targets)
     * @param claimsPerTargetPerHour claims of one account's (or one unknown username's) packages per
     *                               hour, from all claimers together, so that nobody can drain them
     * @param attachmentMibPerDay    attachment upload quota per account and UTC day, in MiB
     * @param openUploadTickets      upload tickets one account may hold unused at a time
     * @param uploadTimeout          the longest an upload may take, however slowly its bytes arrive
     */
    public record Quotas(int claimsPerHour, int claimsPerTargetPerHour, long attachmentMibPerDay, int openUploadTickets,
                         Duration uploadTimeout) {
        public static final int DEFAULT_ATTACHMENT_MIB_PER_DAY = 1024;
        public static final Duration DEFAULT_UPLOAD_TIMEOUT = Duration.ofMinutes(15);

        public Quotas {
            if (claimsPerHour < 1 || claimsPerTargetPerHour < 1 || attachmentMibPerDay < 1 || openUploadTickets < 1) {
                throw new IllegalArgumentException("key package claims, the attachment quota and upload tickets must be at least 1");
            }
            if (uploadTimeout.isNegative() || uploadTimeout.isZero()) {
                throw new IllegalArgumentException("the upload timeout must be positive, was " + uploadTimeout);
            }
        }

        public static Quotas defaults() {
            return new Quotas(600, 120, DEFAULT_ATTACHMENT_MIB_PER_DAY, 10, DEFAULT_UPLOAD_TIMEOUT);
        }

        public Quotas withAttachmentMibPerDay(long mib) {
            return new Quotas(claimsPerHour, claimsPerTargetPerHour, mib, openUploadTickets, uploadTimeout);
        }

        public Quotas withUploadTimeout(Duration timeout) {
            return new Quotas(claimsPerHour, claimsPerTargetPerHour, attachmentMibPerDay, openUploadTickets, timeout);
        }
    }

    /**
     * The network edge.
     *
     * @param trustedProxies reverse proxies whose X-Forwarded-For names the client; none by default,
     *                       so the header is ignored unless the connection comes from one of these
     * @param proxyProtocol  every connection starts with a PROXY protocol header (HAProxy v1 or v2)
     *                       naming the client; only for a listener that a proxy alone can reach
     * @param adminListen    where to serve {@code /metrics} and {@code /healthz} apart from the
     *                       public listener; empty for none
     * @param metricsToken   bearer token that opens {@code /metrics} (required on the public listener,
     *                       where it is absent without one, and on a non-loopback admin listener)
     * @param webSocketPath  where the WebSocket upgrade is answered ({@code --ws-path}); every other
     *                       path, the default one included, answers as an unknown path does
     */
    public record Edge(TrustedProxies trustedProxies, boolean proxyProtocol, Optional<InetSocketAddress> adminListen,
                       Optional<String> metricsToken, String webSocketPath) {
        public Edge {
            HttpRouter.checkWebSocketPath(webSocketPath);
            if (metricsToken.isPresent() && metricsToken.get().strip().length() < 16) {
                throw new IllegalArgumentException("the metrics token must be at least 16 characters, so that it cannot be guessed");
            }
            if (adminListen.isPresent() && !adminListen.get().getAddress().isLoopbackAddress() && metricsToken.isEmpty()) {
                throw new IllegalArgumentException("the admin listener " + adminListen.get().getAddress().getHostAddress()
                        + " is not on loopback: set --metrics-token too, or listen on 127.0.0.1");
            }
        }

        public static Edge defaults() {
            return new Edge(TrustedProxies.NONE, false, Optional.empty(), Optional.empty(), HttpRouter.DEFAULT_WEBSOCKET_PATH);
        }

        public Edge withTrustedProxies(TrustedProxies proxies) {
            return new Edge(proxies, proxyProtocol, adminListen, metricsToken, webSocketPath);
        }

        public Edge withProxyProtocol(boolean enabled) {
            return new Edge(trustedProxies, enabled, adminListen, metricsToken, webSocketPath);
        }

        public Edge withAdminListen(InetSocketAddress address) {
            return new Edge(trustedProxies, proxyProtocol, Optional.of(address), metricsToken, webSocketPath);
        }

        public Edge withMetricsToken(String token) {
            return new Edge(trustedProxies, proxyProtocol, adminListen, Optional.of(token), webSocketPath);
        }

        public Edge withWebSocketPath(String path) {
            return new Edge(trustedProxies, proxyProtocol, adminListen, metricsToken, path);
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, Optional.empty(), false, Limits.defaults(), Calls.defaults(),
                SealedSending.defaults(), Quotas.defaults(), Edge.defaults(), List.of(), Optional.empty());
    }

    public ServerConfig withListen(String newHost, int newPort) {
        return new ServerConfig(newHost, newPort, tls, inviteOnly, limits, calls, sealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withTls(Tls newTls) {
        if (acme.isPresent()) {
            throw new IllegalArgumentException(TLS_OR_ACME);
        }
        return new ServerConfig(host, port, Optional.of(newTls), inviteOnly, limits, calls, sealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withAcme(AcmeSettings newAcme) {
        if (tls.isPresent()) {
            throw new IllegalArgumentException(TLS_OR_ACME);
        }
        return new ServerConfig(host, port, tls, inviteOnly, limits, calls, sealed, quotas, edge, alternates, Optional.of(newAcme));
    }

    /** The listener serves TLS: from PEM files or from an ACME CA. */
    public boolean servesTls() {
        return tls.isPresent() || acme.isPresent();
    }

    public ServerConfig withInviteOnly(boolean newInviteOnly) {
        return new ServerConfig(host, port, tls, newInviteOnly, limits, calls, sealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withLimits(Limits newLimits) {
        return new ServerConfig(host, port, tls, inviteOnly, newLimits, calls, sealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withCalls(Calls newCalls) {
        return new ServerConfig(host, port, tls, inviteOnly, limits, newCalls, sealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withSealedSending(SealedSending newSealed) {
        return new ServerConfig(host, port, tls, inviteOnly, limits, calls, newSealed, quotas, edge, alternates, acme);
    }

    public ServerConfig withQuotas(Quotas newQuotas) {
        return new ServerConfig(host, port, tls, inviteOnly, limits, calls, sealed, newQuotas, edge, alternates, acme);
    }

    public ServerConfig withEdge(Edge newEdge) {
        return new ServerConfig(host, port, tls, inviteOnly, limits, calls, sealed, quotas, newEdge, alternates, acme);
    }

    public ServerConfig withAlternates(List<String> newAlternates) {
        org.parley.server.identity.ServerIdentity.requireValid(newAlternates);
        return new ServerConfig(host, port, tls, inviteOnly, limits, calls, sealed, quotas, edge, List.copyOf(newAlternates), acme);
    }

    /**
     * Refuses plain text anywhere but loopback: tokens, link codes and metadata would otherwise
     * cross a network in clear.
     */
    public void checkListenIsSafe() {
        if (servesTls()) {
            return;
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the listen address '" + host + "'; give an IP address such as 127.0.0.1");
        }
        if (!loopback) {
            throw new IllegalArgumentException("refusing to listen on " + host + ":" + port + " without TLS: "
                    + "pass a certificate with --tls-cert CERT.pem --tls-key KEY.pem (PEM, key in PKCS#8), "
                    + "get one automatically with --domain NAME, or listen on 127.0.0.1 behind a TLS proxy");
        }
    }
}
