package org.parley.server.acme;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The answers to the CA's challenges while they are pending: for HTTP-01 the key authorization
 * served at {@code /.well-known/acme-challenge/TOKEN}; for TLS-ALPN-01 the validation certificate
 * served to an {@code acme-tls/1} handshake for the name.
 */
final class ChallengeResponses {
    /** A token is base64url (RFC 8555 section 8.3), at least 128 bits of it. */
    static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22,256}");

    private final Map<String, String> keyAuthorizations = new ConcurrentHashMap<>();
    private final Map<String, Credential> validationCertificates = new ConcurrentHashMap<>();

    void answerHttp01(String token, String keyAuthorization) {
        if (!TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException("the CA sent an HTTP-01 token that is not base64url");
        }
        keyAuthorizations.put(token, keyAuthorization);
    }

    void forgetHttp01(String token) {
        keyAuthorizations.remove(token);
    }

    /** The key authorization for {@code token}, or empty when no such challenge is pending. */
    Optional<String> http01(String token) {
        return TOKEN.matcher(token).matches() ? Optional.ofNullable(keyAuthorizations.get(token)) : Optional.empty();
    }

    void answerTlsAlpn01(String domain, Credential validationCertificate) {
        validationCertificates.put(domain, validationCertificate);
    }

    void forgetTlsAlpn01(String domain) {
        validationCertificates.remove(domain);
    }

    Optional<Credential> tlsAlpn01(String domain) {
        return Optional.ofNullable(validationCertificates.get(domain));
    }
}
