package org.parley.server.acme;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * The keys and the TLS-ALPN-01 certificate, made with the JDK's provider: acme4j's helpers want
 * Bouncy Castle registered as a JCA provider (a process-wide change) and sign its validation
 * certificate with RSA only.
 */
final class AcmeKeys {
    /** id-pe-acmeIdentifier (RFC 8737 section 6.1). */
    private static final ASN1ObjectIdentifier ACME_IDENTIFIER = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.31");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AcmeKeys() {
    }

    /** A new ECDSA P-256 key pair, for the account and for each certificate. */
    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /**
     * The self-signed certificate that answers TLS-ALPN-01 for {@code domain} (RFC 8737 section
     * 3): the name as its only subject alternative name and the SHA-256 of the key authorization in
     * a critical acmeIdentifier extension.
     */
    static X509Certificate validationCertificate(KeyPair key, String domain, byte[] keyAuthorizationDigest) {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=acme.invalid");
        try {
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(7))), name, key.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, domain)));
            builder.addExtension(ACME_IDENTIFIER, true, new DEROctetString(keyAuthorizationDigest));
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make the TLS-ALPN-01 certificate", e);
        }
    }
}
