package org.parley.server.acme;

/**
 * No certificate could be obtained from the ACME CA. The message is one line that says what to
 * fix (DNS, a port the CA cannot reach, a rate limit and when to retry, an unreachable CA) and
 * holds no secret.
 */
public final class CertificateUnavailableException extends IllegalStateException {
    CertificateUnavailableException(String message) {
        super(message);
    }

    CertificateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
