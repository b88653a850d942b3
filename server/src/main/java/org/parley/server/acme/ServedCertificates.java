package org.parley.server.acme;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.parley.server.transport.TlsHandlers;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS listener's certificate, swappable while it runs: every handshake asks this key manager,
 * so a renewed certificate reaches the next handshake without a restart, and connections already
 * open keep theirs. A handshake that negotiates ALPN {@code acme-tls/1} (RFC 8737) gets the pending
 * TLS-ALPN-01 validation certificate for its SNI name instead, and nothing when none is pending.
 * Before the first certificate arrives every other handshake fails: nothing bogus is served.
 */
final class ServedCertificates extends X509ExtendedKeyManager implements TlsHandlers {
    static final String ACME_TLS_1 = "acme-tls/1";
    private static final String SERVED_ALIAS = "served-";
    private static final String VALIDATION_ALIAS = "acme-tls-1:";

    /** A served credential numbered, so that an alias chosen just before a swap still names one key and its chain. */
    private record Generation(long number, Credential credential) {
        String alias() {
            return SERVED_ALIAS + number;
        }
    }

    private final ChallengeResponses challenges;
    private final SslContext context;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private volatile Generation previous;

    ServedCertificates(ChallengeResponses challenges) {
        this.challenges = challenges;
        try {
            this.context = SslContextBuilder.forServer(this).sslProvider(SslProvider.JDK).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot make the JDK's TLS context", e);
        }
    }

    /** New handshakes get {@code credential} from now on. */
    void serve(Credential credential) {
        Generation old = current.get();
        previous = old;
        current.set(new Generation(old == null ? 1 : old.number() + 1, credential));
    }

    Optional<Credential> served() {
        return Optional.ofNullable(current.get()).map(Generation::credential);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        // Only a CA's validation asks for acme-tls/1; everyone else negotiates no ALPN name at all, as before.
        handler.engine().setHandshakeApplicationProtocolSelector(
                (engine, offered) -> offered.contains(ACME_TLS_1) ? ACME_TLS_1 : "");
        return handler;
    }

    /**
     * In TLS 1.3 the ALPN name is chosen (EncryptedExtensions) before the certificate, so it is
     * known here; the CAs' validators (Go's TLS) negotiate 1.3.
     */
    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        if (engine != null && ACME_TLS_1.equals(engine.getHandshakeApplicationProtocol())) {
            return requestedName(engine.getHandshakeSession())
                    .filter(name -> challenges.tlsAlpn01(name).filter(validation -> fits(keyType, validation)).isPresent())
                    .map(name -> VALIDATION_ALIAS + name).orElse(null);
        }
        return servedAlias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return servedAlias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = servedAlias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Credential credential = credential(alias);
        return credential == null ? null : credential.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Credential credential = credential(alias);
        return credential == null ? null : credential.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private String servedAlias(String keyType) {
        Generation served = current.get();
        return served != null && fits(keyType, served.credential()) ? served.alias() : null;
    }

    private Credential credential(String alias) {
        if (alias == null) {
            return null;
        }
        if (alias.startsWith(VALIDATION_ALIAS)) {
            return challenges.tlsAlpn01(alias.substring(VALIDATION_ALIAS.length())).orElse(null);
        }
        for (Generation generation : new Generation[] {current.get(), previous}) {
            if (generation != null && generation.alias().equals(alias)) {
                return generation.credential();
            }
        }
        return null;
    }

    private static boolean fits(String keyType, Credential credential) {
        return keyType != null && keyType.equals(credential.key().getAlgorithm());
    }

    private static Optional<String> requestedName(SSLSession handshake) {
        if (!(handshake instanceof ExtendedSSLSession extended)) {
            return Optional.empty();
        }
        for (SNIServerName name : extended.getRequestedServerNames()) {
            if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                try {
                    return Optional.of(new SNIHostName(name.getEncoded()).getAsciiName().toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException notAHostName) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
