package org.parley.client.testnet;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A throw-away self-signed server certificate for the IP addresses of a test network, made by the
 * JDK's keytool (EC P-256, valid two days), written as the PEM certificate and PKCS#8 key that
 * {@code parley server --tls-cert/--tls-key} take, plus a trust store holding only it.
 */
public final class TestCertificate {
    private static final String ALIAS = "parley-test";
    private final Path certificatePem;
    private final Path privateKeyPem;
    private final Path trustStore;
    private final String trustStorePassword;

    private TestCertificate(Path certificatePem, Path privateKeyPem, Path trustStore, String trustStorePassword) {
        this.certificatePem = certificatePem;
        this.privateKeyPem = privateKeyPem;
        this.trustStore = trustStore;
        this.trustStorePassword = trustStorePassword;
    }

    /** Makes the certificate for {@code addresses} in {@code directory}. */
    public static TestCertificate create(Path directory, List<InetAddress> addresses) throws IOException, GeneralSecurityException,
            InterruptedException {
        Files.createDirectories(directory);
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        Path keyStore = directory.resolve("server.p12");
        String san = addresses.stream().map(a -> "ip:" + a.getHostAddress()).collect(Collectors.joining(","));
        List<String> keytool = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=Parley test server", "-ext", "san=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password, "-keypass", password));
        Process process = new ProcessBuilder(keytool).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool could not make the test certificate: " + output.strip());
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password.toCharArray());
        }
        Certificate certificate = store.getCertificate(ALIAS);
        Key key = store.getKey(ALIAS, password.toCharArray());
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IOException("keytool made a key in " + key.getFormat() + ", not PKCS#8");
        }
        Path certificatePem = directory.resolve("server-cert.pem");
        Path privateKeyPem = directory.resolve("server-key.pem");
        Files.writeString(certificatePem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(privateKeyPem, pem("PRIVATE KEY", key.getEncoded()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(ALIAS, certificate);
        Path trustStore = directory.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, password.toCharArray());
        }
        return new TestCertificate(certificatePem, privateKeyPem, trustStore, password);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public Path certificatePem() {
        return certificatePem;
    }

    public Path privateKeyPem() {
        return privateKeyPem;
    }

    private static final String[] TRUST_PROPERTIES = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword",
        "javax.net.ssl.trustStoreType"};

    private String[] trustPropertyValues() {
        return new String[] {trustStore.toString(), trustStorePassword, "PKCS12"};
    }

    /** The {@code java} flags that make another JVM (a {@code parley} process a test starts) trust this certificate alone. */
    public List<String> trustFlags() {
        String[] values = trustPropertyValues();
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < TRUST_PROPERTIES.length; i++) {
            flags.add("-D" + TRUST_PROPERTIES[i] + "=" + values[i]);
        }
        return flags;
    }

    /** A TLS context that trusts this certificate alone, for a test's own HTTPS requests. */
    public SSLContext trustingContext() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            trust.load(in, trustStorePassword.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /**
     * Makes this JVM's TLS clients trust this certificate alone (the standard
     * {@code javax.net.ssl.trustStore} properties, which the client's WebSocket reads each time
     * it makes its TLS context) until the returned handle is closed, which restores what was set.
     */
    public AutoCloseable trustedByThisJvm() throws GeneralSecurityException {
        // The JVM-wide default context (java.net.http uses it) is made once and kept: make it now,
        // with the normal trust, so that it never holds this test's store.
        SSLContext.getDefault();
        String[] names = TRUST_PROPERTIES;
        String[] values = trustPropertyValues();
        String[] before = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            before[i] = System.getProperty(names[i]);
            System.setProperty(names[i], values[i]);
        }
        return () -> {
            for (int i = 0; i < names.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(names[i]);
                } else {
                    System.setProperty(names[i], before[i]);
                }
            }
        };
    }
}
