package org.parley.server.acme;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The ACME client's files in the data folder's {@code acme/} (mode 0700): the account key, the
 * certificate's key (both PEM: PKCS#8, then the public key; mode 0600) and the certificate chain (PEM). Each is replaced
 * atomically, so a crash leaves the old file or the new one, never half of one.
 */
final class AcmeState {
    private static final Logger log = LoggerFactory.getLogger(AcmeState.class);
    static final String ACCOUNT_KEY = "account-key.pem";
    static final String CERTIFICATE_KEY = "certificate-key.pem";
    static final String CERTIFICATE_CHAIN = "certificate.pem";
    /** PEM files of a few kilobytes; anything larger is not ours and is not read. */
    private static final int MAX_FILE_BYTES = 256 * 1024;
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path directory;

    AcmeState(Path directory) {
        this.directory = directory;
    }

    /** The account's key pair, made (P-256) and stored on first use. */
    KeyPair accountKey() {
        Path file = directory.resolve(ACCOUNT_KEY);
        if (Files.exists(file)) {
            try {
                return readKeyPair(file);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(file + " is not a PEM key pair: move it away and a new ACME account is made");
            }
        }
        KeyPair pair = AcmeKeys.newKeyPair();
        writePrivate(file, pem(pair));
        log.info("made a new ACME account key in {}", file);
        return pair;
    }

    /** The stored certificate and its key, or empty when there is none or it is damaged (then a new one is ordered). */
    Optional<Credential> certificate() {
        Path keyFile = directory.resolve(CERTIFICATE_KEY);
        Path chainFile = directory.resolve(CERTIFICATE_CHAIN);
        if (!Files.exists(keyFile) || !Files.exists(chainFile)) {
            return Optional.empty();
        }
        try {
            KeyPair pair = readKeyPair(keyFile);
            List<X509Certificate> chain = readChain(chainFile);
            if (chain.isEmpty() || !chain.get(0).getPublicKey().equals(pair.getPublic())) {
                log.warn("{} does not belong to {}: ordering a new certificate", chainFile, keyFile);
                return Optional.empty();
            }
            return Optional.of(new Credential(pair.getPrivate(), chain));
        } catch (IOException | CertificateException | RuntimeException e) {
            log.warn("cannot read the stored certificate in {} ({}): ordering a new one", directory, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    /** Stores a new certificate: the key first, so that a crash between the two leaves a mismatch, which is detected. */
    void saveCertificate(KeyPair key, List<X509Certificate> chain) {
        writePrivate(directory.resolve(CERTIFICATE_KEY), pem(key));
        StringBuilder text = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        try {
            for (X509Certificate certificate : chain) {
                text.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(certificate.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the certificate the CA issued", e);
        }
        writePrivate(directory.resolve(CERTIFICATE_CHAIN), text.toString());
    }

    /** A key pair as {@link #pem(KeyPair)} writes it: the PKCS#8 private key, then the public key. */
    private static KeyPair readKeyPair(Path file) throws IOException {
        PrivateKeyInfo privateKey = null;
        SubjectPublicKeyInfo publicKey = null;
        try (PEMParser parser = new PEMParser(new StringReader(new String(readBounded(file), StandardCharsets.US_ASCII)))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof PrivateKeyInfo key) {
                    privateKey = key;
                } else if (block instanceof SubjectPublicKeyInfo key) {
                    publicKey = key;
                }
            }
        }
        if (privateKey == null || publicKey == null) {
            throw new IOException(file + " lacks its PRIVATE KEY or PUBLIC KEY block");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        return new KeyPair(converter.getPublicKey(publicKey), converter.getPrivateKey(privateKey));
    }

    private static List<X509Certificate> readChain(Path file) throws IOException, CertificateException {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = new ByteArrayInputStream(readBounded(file))) {
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) certificate);
            }
        }
        return chain;
    }

    private static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IOException(file + " is larger than " + MAX_FILE_BYTES / 1024 + " KiB");
            }
            return bytes;
        }
    }

    /**
     * The private key as PKCS#8 (as {@code --tls-key} takes it), then the public key, which the
     * JDK's PKCS#8 encoding of an EC key leaves out.
     */
    private static String pem(KeyPair pair) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
            writer.writeObject(pair.getPublic());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes {@code text} to {@code file} through a temporary file created with mode 0600, then renames it. */
    private void writePrivate(Path file, String text) {
        try {
            if (POSIX) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(directory);
            }
            FileAttribute<?>[] ownerOnly = POSIX
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                    : new FileAttribute<?>[0];
            Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp", ownerOnly);
            try {
                Files.writeString(temporary, text, StandardCharsets.US_ASCII);
                try {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
