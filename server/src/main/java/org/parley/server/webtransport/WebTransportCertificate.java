package org.parley.server.webtransport;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A self-signed certificate browsers accept for WebTransport without a CA: through
 * {@code serverCertificateHashes} (W3C WebTransport, "custom certificate requirements"), which
 * asks for an ECDSA P-256 key and a validity of at most 14 days. The signed-in client learns its
 * SHA-256 over the authenticated WebSocket (CallToken), so the hash is what it trusts.
 */
public final class WebTransportCertificate {
    /** Under the browsers' 14-day cap, with an hour of slack for clocks that run behind. */
    static final Duration VALIDITY = Duration.ofDays(13);
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final byte[] sha256;

    private WebTransportCertificate(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        this.key = key;
        this.certificate = certificate;
        this.sha256 = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
    }

    /** A fresh key pair and certificate valid from an hour ago for {@link #VALIDITY}. */
    public static WebTransportCertificate generate(Instant now, SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=parley-webtransport");
            Instant from = now.minus(BACKDATE);
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, random).add(BigInteger.ONE),
                    Date.from(from), Date.from(from.plus(VALIDITY)), name, pair.getPublic());
            // Chromium's certificate parser (quiche CertificateView) refuses a certificate without extensions.
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new WebTransportCertificate(pair.getPrivate(), certificate);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make a P-256 certificate for WebTransport", e);
        }
    }

    PrivateKey key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** SHA-256 of the DER certificate: the value of {@code serverCertificateHashes}. */
    public byte[] sha256() {
        return sha256.clone();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** True once less than {@code margin} of validity is left: time to switch to a new one. */
    boolean dueForRotation(Instant now, Duration margin) {
        return !now.plus(margin).isBefore(notAfter());
    }

    @Override
    public String toString() {
        return "WebTransportCertificate[valid until " + notAfter() + "]";
    }
}
