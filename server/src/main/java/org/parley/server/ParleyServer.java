package org.parley.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.parley.protocol.v1.ClientFrame;
import org.parley.server.accounts.AccountId;
import org.parley.server.acme.AcmeCertificates;
import org.parley.server.acme.AcmeSettings;
import org.parley.server.bus.InProcessBus;
import org.parley.server.bus.MessageBus;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayLimits;
import org.parley.server.calls.UdpRelayServer;
import org.parley.server.webtransport.WebTransportServer;
import org.parley.server.delivery.MailboxSealer;
import org.parley.server.delivery.MailboxWriter;
import org.parley.server.http.AttachmentHttp;
import org.parley.server.http.Readiness;
import org.parley.server.http.UploadTicketStore;
import org.parley.server.identity.ServerIdentity;
import org.parley.server.metrics.Metrics;
import org.parley.server.ratelimit.DailyAllowance;
import org.parley.server.ratelimit.Limiters;
import org.parley.server.ratelimit.Network;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.requests.AccountRequests;
import org.parley.server.requests.AttachmentRequests;
import org.parley.server.requests.CallRequests;
import org.parley.server.requests.KeyPackageRequests;
import org.parley.server.requests.MessageRequests;
import org.parley.server.requests.TokenRequests;
import org.parley.server.tokens.TokenAuthority;
import org.parley.server.session.PresenceLease;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.SessionRegistry;
import org.parley.server.transport.AdminHttp;
import org.parley.server.transport.IdleSweep;
import org.parley.server.transport.MetricsAccess;
import org.parley.server.transport.TlsHandlers;
import org.parley.server.transport.Transport;
import org.parley.server.web.WebApp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server node: the Netty transport, the capability handlers, the group-commit mailbox writer,
 * the message bus (in-process, or NATS between nodes) and the hourly expiry job, over an open {@link ServerStores}. {@link #close()}
 * stops accepting, says goodbye to every connection, stores the sends already queued and stops.
 */
public final class ParleyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyServer.class);
    /** Mailbox writes collected into one transaction: up to this long, or this many envelopes. */
    private static final long BATCH_WAIT_MICROS = 1_500;
    private static final int BATCH_MAX_ITEMS = 2_048;
    private static final int BATCH_QUEUE = 65_536;
    /** How long {@link #close()} waits for queued sends to be stored and answered. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_FRAMES_TIMEOUT = Duration.ofSeconds(5);
    /** How often the node checks its database when no probe asks. */
    private static final Duration READINESS_INTERVAL = Duration.ofSeconds(5);
    /** How often a node sharing PostgreSQL looks for approvals of its waiting devices' link codes written by other nodes. */
    private static final Duration LINK_APPROVAL_POLL = Duration.ofMillis(250);
    /** How soon a node shows an announcement of alternate addresses that a node started since stored. */
    private static final Duration ANNOUNCEMENT_REFRESH = Duration.ofSeconds(10);

    private final ServerStores store;
    private final Transport transport;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ExecutorService requestPool;
    private final ScheduledExecutorService maintenance;
    /** The readiness and presence-lease checks, apart from maintenance jobs that may wait on the database. */
    private final ScheduledExecutorService health;
    private final ExecutorService readinessChecks;
    private final Readiness readiness;
    private final MailboxWriter writer;
    private final MessageBus bus;
    private final SessionRegistry sessions = new SessionRegistry();
    private final Metrics metrics = new Metrics();
    private Channel listener;
    /** Null without {@code --admin-listen}. */
    private Channel adminListener;
    /** Null without {@code --domain}. */
    private final AcmeCertificates acme;
    /** The plain-HTTP listener of ACME's HTTP-01 challenges; null without {@code --domain} or with {@code --acme-http-port 0}. */
    private Channel acmeHttpListener;
    private final Runnable forgetIdleLimits;
    /** Null when the relay serves WebSockets only ({@code --media-port 0}). */
    private final UdpRelayServer udpRelay;
    /** Null without {@code --webtransport-port}. */
    private final WebTransportServer webTransport;
    private final Runnable expiry;
    private final ServerIdentity identity;

    private ParleyServer(ServerConfig config, ServerStores store, MessageBus bus) throws InterruptedException, SSLException {
        this.store = store;
        this.bus = bus;
        this.acme = config.acme().map(AcmeCertificates::open).orElse(null);
        TlsHandlers tls = acme != null ? acme : config.tls().isPresent() ? TlsHandlers.of(SslContextBuilder.forServer(
                config.tls().get().certificateChain().toFile(), config.tls().get().privateKey().toFile())
                // The JDK's engine, as before netty-tcnative (the bridge's) came on the class path and would become the default.
                .sslProvider(SslProvider.JDK).build()) : null;
        SecureRandom random = new SecureRandom();
        this.transport = Transport.best();
        this.acceptor = transport.newGroup(1);
        this.workers = transport.newGroup(0);
        this.requestPool = Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), named("parley-request"));
        this.maintenance = Executors.newSingleThreadScheduledExecutor(named("parley-maintenance"));
        this.health = Executors.newSingleThreadScheduledExecutor(named("parley-health"));
        this.readinessChecks = Executors.newSingleThreadExecutor(named("parley-readiness"));
        try {
            this.readiness = new Readiness(store::checkDatabase, bus, readinessChecks);
            // Also without probes, so that sends are refused soon after the database goes away.
            health.scheduleWithFixedDelay(readiness::check, READINESS_INTERVAL.toSeconds(), READINESS_INTERVAL.toSeconds(),
                    TimeUnit.SECONDS);
            if (bus.linksNodes()) { // a single node has nowhere to send its devices
                PresenceLease lease = new PresenceLease(readiness::cutOff, sessions, System::nanoTime);
                health.scheduleWithFixedDelay(lease::check, PresenceLease.CHECK_INTERVAL.toMillis(),
                        PresenceLease.CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
            MailboxSealer sealer = new MailboxSealer(store.accounts());
            this.writer = new MailboxWriter(store.mailbox(), sealer, bus, metrics, BATCH_WAIT_MICROS, BATCH_MAX_ITEMS, BATCH_QUEUE);

            ServerConfig.Limits limits = config.limits();
            ServerConfig.Quotas quotas = config.quotas();
            // Counted across every node when they share PostgreSQL, in memory on a single node.
            Limiters limiters = store.limiters(Clock.systemUTC());
            RateLimiter<Network> registrations = limiters.perHour("registrations", limits.registrationsPerHour(), Network::bytes);
            RateLimiter<AccountId> sends = limiters.rate("unsealed-sends", limits.sendsPerSecond(), limits.sendBurst(), AccountId::bytes);
            ServerConfig.SealedSending sealed = config.sealed();
            RateLimiter<AccountId> inbound = limiters.rate("unsealed-inbound", sealed.inboundPerMinute() / 60.0, sealed.inboundBurst(),
                    AccountId::bytes);
            MessageRequests.UnsealedLimits unsealedLimits = new MessageRequests.UnsealedLimits(
                    sends, oneTokenAfter(limits.sendsPerSecond()), inbound, oneTokenAfter(sealed.inboundPerMinute() / 60.0));
            TokenAuthority tokens = new TokenAuthority(store.tokens(), store.config().clock(), random, sealed.sendTokensPerDay());
            UploadTicketStore tickets = store.uploadTickets(random, Clock.systemUTC(), quotas.openUploadTickets(), quotas.uploadTimeout());
            DailyAllowance<AccountId> attachmentQuota = limiters.daily("attachment-bytes", quotas.attachmentMibPerDay() * 1024 * 1024,
                    AccountId::bytes);

            CallTokens callTokens = store.callTokens(random, Clock.systemUTC(), config.calls().tokenLifetime());
            // With several nodes, media of a call whose participants reached different nodes crosses the bus.
            Relay relay = new Relay(callTokens, RelayLimits.defaults(), bus::relayPeers);
            metrics.includeRelay(relay);
            this.udpRelay = config.calls().mediaPort().isPresent() ? UdpRelayServer.start(relay,
                    new InetSocketAddress(config.host(), config.calls().mediaPort().getAsInt()),
                    Runtime.getRuntime().availableProcessors()) : null;
            this.webTransport = config.calls().webTransportPort().isPresent() ? WebTransportServer.start(relay,
                    new InetSocketAddress(config.host(), config.calls().webTransportPort().getAsInt()), Clock.systemUTC()) : null;
            if (webTransport != null) {
                metrics.includeWebTransport(webTransport::counters);
            }
            if (udpRelay == null) {
                // UdpRelayServer sweeps idle participants itself; without it the relay still needs it.
                maintenance.scheduleWithFixedDelay(relay::removeIdle, 5, 5, TimeUnit.SECONDS);
            }

            Map<ClientFrame.BodyCase, RequestHandler> handlers = new EnumMap<>(ClientFrame.BodyCase.class);
            AccountRequests accountRequests = new AccountRequests(store.accounts(), store.mailbox(), bus, requestPool, metrics,
                    config.inviteOnly(), registrations, limiters, store.sharedByNodes() ? store.database() : null, sessions, random,
                    Clock.systemUTC());
            accountRequests.addTo(handlers);
            KeyPackageRequests keyPackageRequests = new KeyPackageRequests(store.accounts(), store.keyPackages(), limiters,
                    quotas.claimsPerHour(), quotas.claimsPerTargetPerHour());
            keyPackageRequests.addTo(handlers);
            new MessageRequests(store.accounts(), store.groups(), writer, metrics, unsealedLimits, tokens, readiness::refusal)
                    .addTo(handlers);
            new TokenRequests(tokens, store.accounts()).addTo(handlers);
            new AttachmentRequests(tickets, attachmentQuota, store.attachments().maxBytes()).addTo(handlers);
            new CallRequests(callTokens, udpRelay == null ? OptionalInt.empty() : OptionalInt.of(udpRelay.localAddress().getPort()),
                    config.calls().mediaHost(), webTransport).addTo(handlers);
            AttachmentHttp attachments = new AttachmentHttp(store.attachments(), tickets, attachmentQuota, quotas.uploadTimeout(),
                    requestPool, metrics);

            this.expiry = () -> {
                expire();
                expireTokens(tokens);
            };
            maintenance.scheduleWithFixedDelay(expiry, 0, 1, TimeUnit.HOURS);
            // Rate-limit keys (accounts, link codes, networks) are kept (in memory, or hashed in PostgreSQL) no longer than their window.
            this.forgetIdleLimits = () -> {
                try {
                    registrations.evictIdle();
                    sends.evictIdle();
                    inbound.evictIdle();
                    accountRequests.evictIdle();
                    keyPackageRequests.evictIdle();
                    tickets.evictExpired();
                    attachmentQuota.evictPastDays();
                } catch (RuntimeException e) {
                    // A failure must not end the schedule: the next minute tries again.
                    log.warn("forgetting refilled limits failed (database unavailable?), will retry in a minute", e);
                }
            };
            maintenance.scheduleWithFixedDelay(forgetIdleLimits, 1, 1, TimeUnit.MINUTES);
            // A sealing context of a device that received nothing since is forgotten no later than a second after its window.
            maintenance.scheduleWithFixedDelay(sealer::forgetExpiredWindows, 1, 1, TimeUnit.SECONDS);
            if (store.sharedByNodes()) {
                AtomicBoolean approvalsFailing = new AtomicBoolean();
                maintenance.scheduleWithFixedDelay(() -> {
                    try {
                        accountRequests.deliverLinkApprovals();
                        approvalsFailing.set(false);
                    } catch (RuntimeException e) {
                        if (!approvalsFailing.getAndSet(true)) { // once per outage, not four times a second
                            log.warn("looking for device links approved on other nodes failed, retrying", e);
                        }
                    }
                }, LINK_APPROVAL_POLL.toMillis(), LINK_APPROVAL_POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
            MetricsAccess metricsAccess = new MetricsAccess(config.edge().metricsToken());
            this.identity = store.serverIdentity(random, config.alternates(), System.currentTimeMillis());
            WebApp servedApp = WebApp.fromClassPath(config.edge().webSocketPath(), identity.publicKey()).withAlternates(config.alternates());
            WebApp webApp = webTransport == null ? servedApp : servedApp.withWebTransportPort(webTransport.localAddress().getPort());
            if (store.sharedByNodes()) {
                maintenance.scheduleWithFixedDelay(this::adoptNewerAnnouncement, ANNOUNCEMENT_REFRESH.toSeconds(),
                        ANNOUNCEMENT_REFRESH.toSeconds(), TimeUnit.SECONDS);
            }

            this.listener = new ServerBootstrap().group(acceptor, workers).channel(transport.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new ServerPipeline(tls, limits, config.edge(), metricsAccess, metrics, attachments, handlers,
                            requestPool, random, sessions, relay, webApp, identity, readiness, new IdleSweep(workers, limits.idleTimeout())))
                    .bind(config.host(), config.port()).sync().channel();
            this.adminListener = config.edge().adminListen().isEmpty() ? null
                    : new ServerBootstrap().group(acceptor, workers).channel(transport.serverChannel())
                    .childHandler(AdminHttp.initializer(metrics, metricsAccess, readiness))
                    .bind(config.edge().adminListen().get()).sync().channel();
            this.acmeHttpListener = acme == null || config.acme().get().httpPort().isEmpty() ? null
                    : listenForAcmeHttp(config.host(), config.acme().get());
        } catch (Exception e) {
            closeAfterFailedStart();
            throw e;
        }
    }

    /**
     * Starts listening. Refuses a non-loopback address without TLS.
     *
     * @throws IllegalArgumentException if the listen address is unsafe or unknown
     */
    public static ParleyServer start(ServerConfig config, ServerStores store) throws InterruptedException, SSLException {
        return start(config, store, new InProcessBus());
    }

    /**
     * Starts listening, telling other nodes of mail through {@code bus} (which the server closes when it
     * stops). Refuses a non-loopback address without TLS.
     *
     * @throws IllegalArgumentException if the listen address is unsafe or unknown
     */
    public static ParleyServer start(ServerConfig config, ServerStores store, MessageBus bus) throws InterruptedException, SSLException {
        ParleyServer server;
        try {
            config.checkListenIsSafe();
            server = new ParleyServer(config, store, bus);
        } catch (RuntimeException | InterruptedException | SSLException e) {
            bus.close();
            throw e;
        }
        if (server.acme != null) {
            try {
                // The listeners are up: the CA's validation can reach them; until a certificate arrives no other handshake succeeds.
                server.acme.start(server.address().getPort());
            } catch (RuntimeException e) {
                server.close(Duration.ZERO);
                throw e;
            }
        }
        log.info("listening on {}:{} ({}, {})", server.address().getAddress().getHostAddress(), server.address().getPort(), server.transport.name(), config.servesTls() ? "TLS" : "plain text, loopback only");
        server.mediaAddress().ifPresentOrElse(
                media -> log.info("call relay on UDP port {}, WebSocket fallback at {}", media.getPort(), config.edge().webSocketPath()),
                () -> log.info("call relay over WebSockets only (UDP disabled)"));
        server.webTransportAddress().ifPresent(webTransport -> log.info("call relay over WebTransport (HTTP/3) on UDP port {}",
                webTransport.getPort()));
        log.info("message bus: {}", bus.describe());
        server.acmeHttpAddress().ifPresent(http -> log.info("ACME HTTP-01 challenges (and redirects to https) on plain HTTP port {}",
                http.getPort()));
        server.adminAddress().ifPresent(admin -> log.info("admin listener (/metrics, /healthz) on {}:{}",
                admin.getAddress().getHostAddress(), admin.getPort()));
        return server;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The call relay's bound UDP address, or empty when it serves WebSockets only. */
    public Optional<InetSocketAddress> mediaAddress() {
        return udpRelay == null ? Optional.empty() : Optional.of(udpRelay.localAddress());
    }

    /** The server's Ed25519 public key, which clients pin at registration. */
    public byte[] publicKey() {
        return identity.publicKey();
    }

    /** The relay's WebTransport (HTTP/3) address, or empty without {@code --webtransport-port}. */
    public Optional<InetSocketAddress> webTransportAddress() {
        return webTransport == null ? Optional.empty() : Optional.of(webTransport.localAddress());
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Runs the expiry job now (it also runs at start and every hour). */
    void expireNow() {
        expiry.run();
    }

    /** The admin listener's bound address, or empty without one. */
    public Optional<InetSocketAddress> adminAddress() {
        return adminListener == null ? Optional.empty() : Optional.of((InetSocketAddress) adminListener.localAddress());
    }

    /** The plain-HTTP listener of ACME's HTTP-01 challenges, or empty without one. */
    public Optional<InetSocketAddress> acmeHttpAddress() {
        return acmeHttpListener == null ? Optional.empty() : Optional.of((InetSocketAddress) acmeHttpListener.localAddress());
    }

    /** The certificate new TLS handshakes get from ACME, or empty without {@code --domain}. */
    public Optional<X509Certificate> acmeCertificate() {
        return acme == null ? Optional.empty() : acme.servedCertificate();
    }

    /** The plain-HTTP listener of HTTP-01 challenges and redirects; a port it cannot have is a setting to change. */
    private Channel listenForAcmeHttp(String host, AcmeSettings settings) throws InterruptedException {
        int port = settings.httpPort().getAsInt();
        try {
            return new ServerBootstrap().group(acceptor, workers).channel(transport.serverChannel())
                    .childHandler(acme.httpChallenges(httpsOrigin(settings.mainDomain(), address().getPort())))
                    .bind(host, port).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " for the ACME HTTP-01 challenge: "
                    + e.getMessage() + " (ports under 1024 need root or CAP_NET_BIND_SERVICE; choose another with --acme-http-port,"
                    + " or 0 to validate with TLS-ALPN-01 on the TLS port)", e);
        }
    }

    /** The https address of {@code domain} on {@code port} (no port when it is 443), where plain-HTTP requests are redirected. */
    private static String httpsOrigin(String domain, int port) {
        return "https://" + domain + (port == 443 ? "" : ":" + port);
    }

    /** Forgets the rate-limit buckets that have refilled now (it also runs every minute). */
    void forgetIdleLimitsNow() {
        forgetIdleLimits.run();
    }

    private void adoptNewerAnnouncement() {
        try {
            if (store.refreshServerIdentity(identity)) {
                log.info("showing clients the announcement of {} alternate address(es) that another node started with",
                        identity.alternates().size());
            }
        } catch (RuntimeException e) {
            log.warn("reading the shared announcement of alternate addresses failed, will retry in {} s",
                    ANNOUNCEMENT_REFRESH.toSeconds(), e);
        }
    }

    private void expire() {
        try {
            ServerStores.Deleted deleted = store.deleteUnused();
            if (deleted.total() > 0) {
                log.info("deleted what was unused for {} days: {} undelivered messages, {} groups, {} key packages of absent "
                        + "devices, {} attachments", store.config().retentionDays(), deleted.mail(), deleted.groups(),
                        deleted.keyPackages(), deleted.attachments());
            }
        } catch (RuntimeException e) {
            log.warn("deleting unused data failed, will retry in an hour", e);
        }
    }

    /** Time for an empty bucket refilling at {@code perSecond} to hold one token again: the retry hint of its limit. */
    private static Duration oneTokenAfter(double perSecond) {
        return Duration.ofMillis((long) Math.ceil(1000 / perSecond));
    }

    /** Send-token keys and spent tokens go once their day's tokens are no longer accepted. */
    private static void expireTokens(TokenAuthority tokens) {
        try {
            tokens.deleteOld();
        } catch (RuntimeException e) {
            log.warn("deleting old send-token keys failed, will retry in an hour", e);
        }
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_DRAIN_TIMEOUT}. */
    @Override
    public void close() {
        close(DEFAULT_DRAIN_TIMEOUT);
    }

    /**
     * Graceful stop: readiness answers "shutting down" and no new connections are accepted; the
     * sends already queued are stored and answered on their still open connections (new ones are
     * refused as "busy, retry"), for up to {@code drainTimeout}; then every connection gets close
     * code 1012 (service restart), which clients answer by reconnecting after a backoff; threads end.
     * A send not stored by then is not acknowledged, so its client sends it again.
     */
    public void close(Duration drainTimeout) {
        readiness.shuttingDown();
        listener.close().awaitUninterruptibly();
        if (acmeHttpListener != null) {
            acmeHttpListener.close().awaitUninterruptibly();
        }
        closeAcmeAndRelays();
        drain(drainTimeout);
        sessions.closeAll();
        awaitSessionsClosed();
        if (adminListener != null) {
            adminListener.close().awaitUninterruptibly();
        }
        stopThreads();
        bus.close();
        log.info("stopped");
    }

    /** Stops renewing certificates and closes the UDP and WebTransport relays, whichever this server has. */
    private void closeAcmeAndRelays() {
        if (acme != null) {
            acme.close();
        }
        if (udpRelay != null) {
            udpRelay.close();
        }
        if (webTransport != null) {
            webTransport.close();
        }
    }

    /** Closes what a start that failed had started: listeners, ACME, relays, the writer and every thread. */
    private void closeAfterFailedStart() {
        for (Channel channel : new Channel[] {listener, adminListener, acmeHttpListener}) {
            if (channel != null) {
                channel.close().awaitUninterruptibly();
            }
        }
        closeAcmeAndRelays();
        if (writer != null) {
            writer.close();
        }
        stopThreads();
    }

    /**
     * Ends the server's own threads: its event loops, request pool and schedulers. Also when it fails
     * to start, so that a failed start leaves no readiness check polling a store its caller closes.
     */
    private void stopThreads() {
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        requestPool.shutdown();
        maintenance.shutdownNow();
        health.shutdownNow();
        readinessChecks.shutdownNow();
        try {
            requestPool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (a few seconds at most) until every connection has sent its close frame and closed:
     * shutting the event loops down at once would close sockets before their close frames go out.
     */
    private void awaitSessionsClosed() {
        long deadline = System.nanoTime() + CLOSE_FRAMES_TIMEOUT.toNanos();
        while (sessions.size() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stores the queued mailbox writes, answering each on its connection, waiting at most {@code timeout}. */
    private void drain(Duration timeout) {
        Thread closer = new Thread(writer::close, "parley-drain");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            log.warn("sends still queued after the drain timeout of {} s are not acknowledged; their clients send them again",
                    timeout.toSeconds());
        } else {
            log.info("drained: every queued send is stored and answered");
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
