package org.parley.server.acme;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/** Certificates as a CA issues them (a leaf naming DNS names, signed by a test root), for the unit tests. */
final class TestCertificates {
    private TestCertificates() {
    }

    /** A P-256 key and its chain (leaf naming {@code names}, then the root), valid from {@code notBefore} to {@code notAfter}. */
    static Issued issue(Instant notBefore, Instant notAfter, String... names) throws Exception {
        KeyPair rootKey = AcmeKeys.newKeyPair();
        X500Name rootName = new X500Name("CN=Test Root");
        X509Certificate root = sign(new JcaX509v3CertificateBuilder(rootName, BigInteger.ONE, Date.from(notBefore), Date.from(notAfter),
                rootName, rootKey.getPublic()).addExtension(Extension.basicConstraints, true, new BasicConstraints(true)),
                rootKey.getPrivate());
        KeyPair key = AcmeKeys.newKeyPair();
        GeneralName[] dnsNames = Arrays.stream(names).map(name -> new GeneralName(GeneralName.dNSName, name)).toArray(GeneralName[]::new);
        X509Certificate leaf = sign(leafBuilder(rootName, key.getPublic(), notBefore, notAfter)
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames)), rootKey.getPrivate());
        return new Issued(key, List.of(leaf, root));
    }

    private static JcaX509v3CertificateBuilder leafBuilder(X500Name issuer, PublicKey key, Instant notBefore, Instant notAfter) {
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()), Date.from(notBefore), Date.from(notAfter),
                new X500Name("CN=leaf"), key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    record Issued(KeyPair key, List<X509Certificate> chain) {
        Credential credential() {
            return new Credential(key.getPrivate(), chain);
        }
    }
}
