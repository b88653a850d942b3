package org.parley.server.acme;

import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * One certificate order (RFC 8555 section 7.4): log in with the stored account key (registering it
 * the first time, agreeing to the CA's terms), answer each pending authorization's challenge,
 * finalize with a new P-256 key, download the chain and store it with its key.
 */
final class CertificateOrder {
    private static final Logger log = LoggerFactory.getLogger(CertificateOrder.class);
    /** Let's Encrypt validates and issues in seconds; a CA still busy after this is treated as failed. */
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);

    private final AcmeSettings settings;
    private final AcmeState state;
    private final ChallengeResponses challenges;
    /** The TLS listener's port, where TLS-ALPN-01 is answered. */
    private final int tlsPort;

    CertificateOrder(AcmeSettings settings, AcmeState state, ChallengeResponses challenges, int tlsPort) {
        this.settings = settings;
        this.state = state;
        this.challenges = challenges;
        this.tlsPort = tlsPort;
    }

    /** Orders, validates and stores a certificate for every name of the settings. */
    Credential obtain() {
        try {
            Session session = session();
            AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(state.accountKey());
            settings.email().ifPresent(builder::addEmail);
            Account account = builder.create(session);
            session.getMetadata().getTermsOfService().ifPresent(terms -> log.info("ACME account {} at {} (terms of service: {})",
                    account.getLocation(), settings.directory(), terms));
            Order order = account.newOrder().domains(settings.domains()).create();
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() != Status.VALID) {
                    authorize(authorization);
                }
            }
            if (order.waitUntilReady(STEP_TIMEOUT) != Status.READY) {
                throw AcmeFailures.orderFailed("did not become ready (" + order.getStatus() + ")", order.getError().orElse(null));
            }
            KeyPair key = AcmeKeys.newKeyPair();
            order.execute(key);
            if (order.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
                throw AcmeFailures.orderFailed("was not issued (" + order.getStatus() + ")", order.getError().orElse(null));
            }
            List<X509Certificate> chain = order.getCertificate().getCertificateChain();
            state.saveCertificate(key, chain);
            Credential issued = new Credential(key.getPrivate(), chain);
            log.info("the CA issued a certificate for {}, valid until {}", String.join(", ", settings.domains()), issued.notAfter());
            return issued;
        } catch (AcmeException e) {
            throw AcmeFailures.of(e, settings.directory());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertificateUnavailableException("cannot get a certificate: interrupted while waiting for the CA", e);
        }
    }

    /** HTTP-01 when the plain-HTTP listener is on, else TLS-ALPN-01 on the TLS listener. */
    private void authorize(Authorization authorization) throws AcmeException, InterruptedException {
        String domain = authorization.getIdentifier().getDomain();
        Challenge challenge;
        Runnable forget;
        int port;
        if (settings.httpPort().isPresent()) {
            Http01Challenge http = authorization.findChallenge(Http01Challenge.class)
                    .orElseThrow(() -> noChallenge(domain, authorization, Http01Challenge.TYPE, "--acme-http-port 0 (TLS-ALPN-01)"));
            challenges.answerHttp01(http.getToken(), http.getAuthorization());
            challenge = http;
            forget = () -> challenges.forgetHttp01(http.getToken());
            port = settings.httpPort().getAsInt();
        } else {
            TlsAlpn01Challenge tls = authorization.findChallenge(TlsAlpn01Challenge.class)
                    .orElseThrow(() -> noChallenge(domain, authorization, TlsAlpn01Challenge.TYPE, "--acme-http-port 80 (HTTP-01)"));
            KeyPair validationKey = AcmeKeys.newKeyPair();
            challenges.answerTlsAlpn01(domain, new Credential(validationKey.getPrivate(),
                    List.of(AcmeKeys.validationCertificate(validationKey, domain, tls.getAcmeValidation()))));
            challenge = tls;
            forget = () -> challenges.forgetTlsAlpn01(domain);
            port = tlsPort;
        }
        try {
            challenge.trigger();
            if (challenge.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
                throw challenge.getError()
                        .map(problem -> AcmeFailures.challengeFailed(domain, challenge.getType(), port, problem))
                        .orElseGet(() -> new CertificateUnavailableException("cannot get a certificate: the CA did not validate "
                                + domain + " through " + challenge.getType() + " on port " + port + " within "
                                + STEP_TIMEOUT.toMinutes() + " minutes (" + challenge.getStatus() + ")"));
            }
            log.info("the CA validated {} through {}", domain, challenge.getType());
        } finally {
            forget.run();
        }
    }

    private static CertificateUnavailableException noChallenge(String domain, Authorization authorization, String wanted,
                                                               String instead) {
        List<String> offered = authorization.getChallenges().stream().map(Challenge::getType).toList();
        return new CertificateUnavailableException("cannot get a certificate: the CA offers no " + wanted + " challenge for "
                + domain + " (it offers " + String.join(", ", offered) + "); try " + instead);
    }

    private Session session() {
        if (settings.directoryTrust().isEmpty()) {
            return new Session(settings.directory());
        }
        return new Session(settings.directory(), new TrustingProvider(trusting(settings.directoryTrust().get())));
    }

    /** A TLS context that trusts only the CA certificate(s) in {@code pem}, for a private ACME CA's directory. */
    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
            roots.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                roots.setCertificateEntry("ca-" + index++, certificate);
            }
            if (index == 0) {
                throw new IllegalArgumentException("--acme-ca-cert " + pem + " holds no PEM certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(roots);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read --acme-ca-cert " + pem + " as PEM certificates: " + e.getMessage(), e);
        }
    }

    /** acme4j's provider for any RFC 8555 directory, with the HTTP client trusting the given CA. */
    private static final class TrustingProvider extends GenericAcmeProvider {
        private final SSLContext trusted;

        TrustingProvider(SSLContext trusted) {
            this.trusted = trusted;
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings network) {
            return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(network.getTimeout())
                    .proxy(network.getProxySelector()).sslContext(trusted).build();
        }
    }
}
