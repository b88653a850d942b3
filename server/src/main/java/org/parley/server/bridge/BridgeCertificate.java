package org.parley.server.bridge;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The bridge's TLS identity: a CA-issued certificate and key from PEM files, or one it makes for
 * itself on first start and keeps in its data folder, so that its pin, and with it the bridge
 * link people shared, stays the same across restarts.
 *
 * <p>The self-made one is an ECDSA P-256 key in a self-signed certificate named after the bridge's
 * public host (or {@code localhost}), valid ten years, with nothing that names Parley: a bridge is
 * meant to look like any other TLS site.
 */
public final class BridgeCertificate {
    public static final String CERTIFICATE_FILE = "bridge-cert.pem";
    public static final String KEY_FILE = "bridge-key.pem";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    private BridgeCertificate(List<X509Certificate> chain, PrivateKey key) {
        this.chain = List.copyOf(chain);
        this.key = key;
    }

    /**
     * The certificate kept in {@code dataDir}, made there (with the key readable only by its owner)
     * when the folder has none.
     *
     * @param subjectName the name the new certificate is for (the bridge's public host), if it is made now
     */
    public static BridgeCertificate loadOrCreate(Path dataDir, String subjectName) throws IOException {
        Path certificate = dataDir.resolve(CERTIFICATE_FILE);
        Path key = dataDir.resolve(KEY_FILE);
        boolean hasCertificate = Files.exists(certificate);
        if (hasCertificate != Files.exists(key)) {
            throw new IOException(dataDir + " holds only one of " + CERTIFICATE_FILE + " and " + KEY_FILE
                    + ": restore the other, or remove both to make a new certificate (which changes the bridge link)");
        }
        if (!hasCertificate) {
            create(dataDir, subjectName == null || subjectName.isBlank() ? "localhost" : subjectName);
        }
        return fromPem(certificate, key);
    }

    /** A certificate chain (leaf first) and its private key (PKCS#8, SEC 1 or PKCS#1) from PEM files. */
    public static BridgeCertificate fromPem(Path certificateChain, Path privateKey) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter certificates = new JcaX509CertificateConverter();
        try {
            for (Object item : readPem(certificateChain)) {
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(certificates.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new IOException(certificateChain + " is not a PEM certificate chain: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(certificateChain + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        PrivateKey key = null;
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
        try {
            for (Object item : readPem(privateKey)) {
                if (key == null && item instanceof PrivateKeyInfo info) {
                    key = keys.getPrivateKey(info);
                } else if (key == null && item instanceof PEMKeyPair pair) {
                    key = keys.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException | RuntimeException e) {
            // The parser's message may quote the key's bytes: say only which file.
            throw new IOException(privateKey + " is not an unencrypted PEM private key");
        }
        if (key == null) {
            throw new IOException(privateKey + " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        return new BridgeCertificate(chain, key);
    }

    private static List<Object> readPem(Path file) throws IOException {
        List<Object> items = new ArrayList<>();
        // PEM is ASCII; Latin-1 reads any byte, so a binary file fails as "not PEM", not as a charset error.
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1); PEMParser pem = new PEMParser(in)) {
            for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
                items.add(item);
            }
        }
        return items;
    }

    /** The pin of a bridge link: SHA-256 of the leaf certificate's SubjectPublicKeyInfo (DER). */
    public byte[] pin() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate().getPublicKey().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * The server side of the bridge's TLS: 1.3 and 1.2, ALPN offering {@code http/1.1} to clients
     * that ask (as any web server would), and no session cache: a relayed connection lives long and
     * a cache entry per client would outweigh the connection itself. {@code provider} is OpenSSL
     * (reference-counted: the caller releases the context) or the JDK's engine.
     */
    SslContext serverContext(SslProvider provider) throws SSLException {
        return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2")
                .sessionCacheSize(1)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    private static void create(Path dataDir, String subjectName) throws IOException {
        Files.createDirectories(dataDir);
        KeyPair pair;
        X509CertificateHolder certificate;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + subjectName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName(NetUtil.isValidIpV4Address(subjectName) || NetUtil.isValidIpV6Address(subjectName)
                            ? GeneralName.iPAddress : GeneralName.dNSName, subjectName)));
            certificate = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        } catch (GeneralSecurityException | OperatorCreationException | IllegalArgumentException e) {
            throw new IOException("cannot make the bridge's certificate for '" + subjectName + "': " + e.getMessage(), e);
        }
        writeOwnerOnly(dataDir.resolve(KEY_FILE), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
        writeOwnerOnly(dataDir.resolve(CERTIFICATE_FILE), pem(certificate));
    }

    private static String pem(Object item) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(item);
        }
        return text.toString();
    }

    /** Writes a new file, readable by its owner only, whole or not at all. */
    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), ".bridge", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the folder's ACL decides.
            }
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII)) {
                out.write(content);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Names the certificate, never the key. */
    @Override
    public String toString() {
        return "BridgeCertificate[" + certificate().getSubjectX500Principal().getName() + "]";
    }
}
