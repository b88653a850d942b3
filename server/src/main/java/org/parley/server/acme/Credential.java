package org.parley.server.acme;

import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A private key and the certificate chain it serves, leaf first. {@link #toString()} names the
 * certificate, never the key.
 */
record Credential(PrivateKey key, List<X509Certificate> chain) {
    /** GeneralName type of a dNSName (RFC 5280 section 4.2.1.6). */
    private static final int DNS_NAME = 2;

    Credential {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the leaf certificate");
        }
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /**
     * Due for renewal when less than a third of its validity is left (30 of Let's Encrypt's 90
     * days, as Let's Encrypt advises), or once it has expired.
     */
    boolean dueForRenewal(Instant now) {
        Instant notBefore = leaf().getNotBefore().toInstant();
        Duration third = Duration.between(notBefore, notAfter()).dividedBy(3);
        return !now.isBefore(notAfter().minus(third));
    }

    /** The leaf names every one of {@code domains} (as a DNS subject alternative name). */
    boolean covers(List<String> domains) {
        try {
            Collection<List<?>> names = leaf().getSubjectAlternativeNames();
            Set<String> dnsNames = new HashSet<>();
            if (names != null) {
                for (List<?> name : names) {
                    if (Integer.valueOf(DNS_NAME).equals(name.get(0))) {
                        dnsNames.add(((String) name.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
            return dnsNames.containsAll(domains);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    boolean expired(Instant now) {
        return !now.isBefore(notAfter());
    }

    @Override
    public String toString() {
        return "Credential[" + leaf().getSubjectX500Principal().getName() + ", valid until " + notAfter() + "]";
    }
}
