package org.parley.server.acme;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;
import org.parley.server.transport.TlsHandlers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The certificate of {@code --domain}: the stored one while it is good, else one obtained from the
 * ACME CA before the server serves anything; checked at start and every {@link AcmeSettings#checkInterval()},
 * renewed when a third of its validity is left. A failed renewal is logged and retried with a
 * growing delay while the current certificate keeps serving.
 */
public final class AcmeCertificates implements TlsHandlers, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcmeCertificates.class);
    /** The first retry of a failed renewal; each further one waits twice as long, up to the check interval. */
    static final Duration FIRST_RETRY = Duration.ofMinutes(1);

    private final AcmeSettings settings;
    private final AcmeState state;
    private final ChallengeResponses challenges = new ChallengeResponses();
    private final ServedCertificates served = new ServedCertificates(challenges);
    private final ScheduledExecutorService renewals;
    private CertificateOrder order;
    private int failedRenewals;

    private AcmeCertificates(AcmeSettings settings) {
        this.settings = settings;
        this.state = new AcmeState(settings.stateDirectory());
        this.renewals = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "parley-acme");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Reads the stored certificate (serving it if it is unexpired and names every domain); contacts no CA yet. */
    public static AcmeCertificates open(AcmeSettings settings) {
        AcmeCertificates certificates = new AcmeCertificates(settings);
        certificates.state.certificate()
                .filter(stored -> stored.covers(settings.domains()) && !stored.expired(Instant.now()))
                .ifPresent(stored -> {
                    certificates.served.serve(stored);
                    log.info("serving the stored certificate for {}, valid until {}", String.join(", ", settings.domains()),
                            stored.notAfter());
                });
        return certificates;
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return served.newHandler(alloc);
    }

    /** The plain-HTTP listener's pipeline: HTTP-01 answers, and redirects to {@code httpsOrigin}. */
    public ChannelInitializer<Channel> httpChallenges(String httpsOrigin) {
        return HttpChallengeHandler.initializer(challenges, httpsOrigin);
    }

    /**
     * Obtains a certificate now unless a good one is served (blocking, a few seconds with a
     * responsive CA), then checks it every interval and renews it when due. Call once the
     * listeners that answer the challenges are up.
     *
     * @param tlsPort the TLS listener's port, named in TLS-ALPN-01 failures
     * @throws CertificateUnavailableException saying what to fix, when there is no certificate to serve
     */
    public void start(int tlsPort) {
        order = new CertificateOrder(settings, state, challenges, tlsPort);
        if (served.served().isEmpty()) {
            served.serve(order.obtain());
        }
        renewals.execute(this::check);
    }

    /** The certificate new handshakes get, if any. */
    public Optional<X509Certificate> servedCertificate() {
        return served.served().map(Credential::leaf);
    }

    /** Renews when due; schedules the next check (sooner after a failure). */
    private void check() {
        Duration next = settings.checkInterval();
        try {
            Credential current = served.served().orElseThrow();
            if (current.dueForRenewal(Instant.now())) {
                log.info("renewing the certificate for {} (valid until {})", String.join(", ", settings.domains()), current.notAfter());
                served.serve(order.obtain());
                failedRenewals = 0;
            }
        } catch (RuntimeException e) {
            failedRenewals++;
            next = retryDelay(failedRenewals, settings.checkInterval());
            log.warn("renewing the certificate failed ({} in a row); the current one keeps serving until it expires at {};"
                    + " retrying in {}: {}", failedRenewals, served.served().map(Credential::notAfter).orElse(null), next,
                    e.getMessage());
        }
        try {
            renewals.schedule(this::check, next.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the server is stopping
        }
    }

    /** A minute after the first failure, twice as long after each further one, never longer than {@code ceiling}. */
    static Duration retryDelay(int failures, Duration ceiling) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
        return delay.compareTo(ceiling) > 0 ? ceiling : delay;
    }

    @Override
    public void close() {
        renewals.shutdownNow();
    }
}
