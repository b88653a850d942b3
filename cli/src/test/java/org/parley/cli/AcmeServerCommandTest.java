package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ServerConfig;
import org.parley.server.testing.Pebble;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/** {@code parley server --domain}: the flags, and the command getting and serving a certificate from Pebble. */
class AcmeServerCommandTest {
    private static final String DOMAIN = "chat.example.org";
    private static final Pattern LISTENING = Pattern.compile(
            "Parley server listening on https://chat\\.example\\.org:(\\d+) \\(WebSocket wss://chat\\.example\\.org:\\1/v1/ws\\)");

    @TempDir
    Path dir;

    @Test
    void theServerGetsItsCertificateFromTheSettingsFileAndServesIt() throws Exception {
        int httpPort = Pebble.freePort();
        try (Pebble pebble = Pebble.start(dir.resolve("pebble"), httpPort, Pebble.freePort(), Duration.ofDays(90))) {
            Path data = dir.resolve("data");
            Path settings = dir.resolve("parley.toml");
            Files.writeString(settings, """
                    domain = "%s"
                    acme-directory = "%s"
                    acme-ca-cert = "%s"
                    acme-email = "admin@example.org"
                    acme-http-port = %d
                    listen = "127.0.0.1:0"
                    """.formatted(DOMAIN, pebble.directoryUrl(), pebble.httpsCertificate(), httpPort));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "server",
                    "--config", settings.toString(), "--data", data.toString(), "--media-port", "0")
                    .redirectError(dir.resolve("server.err").toFile()).start();
            try {
                List<String> lines = awaitLines(server, "certificate: from ");
                Matcher listening = lines.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
                        .orElseThrow(() -> new AssertionError("no address in " + lines));
                int port = Integer.parseInt(listening.group(1));
                assertThat(lines).anyMatch(line -> line.startsWith("certificate: from " + pebble.directoryUrl() + " for " + DOMAIN
                        + ", valid until ") && line.endsWith("renewed automatically; HTTP-01 and redirects on port " + httpPort));
                X509Certificate served = Pebble.servedCertificate(port, pebble.root(), DOMAIN);
                assertThat(served.getSubjectAlternativeNames()).anyMatch(name -> name.get(1).equals(DOMAIN));
                assertThat(data.resolve("acme").resolve("certificate.pem")).exists();
                assertThat(Files.readString(dir.resolve("server.err"))).as("no key in the log")
                        .doesNotContain("PRIVATE KEY").contains("the CA validated " + DOMAIN + " through http-01");
            } finally {
                server.destroy();
                server.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aChallengeTheCaCannotReachStopsTheServerWithOneLineSayingWhatToFix() throws Exception {
        int nobodyListens = Pebble.freePort();
        try (Pebble pebble = Pebble.start(dir.resolve("pebble"), nobodyListens, Pebble.freePort(), Duration.ofDays(90))) {
            int httpPort = Pebble.freePort();
            MainTest.Result result = parley("server", "--domain", DOMAIN, "--acme-directory", pebble.directoryUrl().toString(),
                    "--acme-ca-cert", pebble.httpsCertificate().toString(), "--acme-http-port", String.valueOf(httpPort),
                    "--listen", "127.0.0.1:0", "--media-port", "0", "--data", dir.resolve("data").toString());
            assertThat(result.code()).as(result.out()).isEqualTo(1);
            assertThat(result.out()).as("never announced as listening").doesNotContain("listening on");
            assertThat(result.err()).startsWith("parley: cannot get a certificate: the CA cannot connect to " + DOMAIN
                    + " for http-01 on port " + httpPort + ": open port " + httpPort + " to the internet").contains("(CA: ");
            assertThat(result.err().strip()).as("one line").doesNotContain("\n");
        }
    }

    @Test
    void theDomainFlagsAreCheckedBeforeAnythingStarts() {
        Path folder = dir.resolve("never-made");
        String data = folder.toString();
        assertFails("leave out --tls-cert and --tls-key", "--domain", DOMAIN, "--tls-cert", "a.pem", "--tls-key", "b.pem", "--data", data);
        assertFails("leave out --tls-cert", "--domain", DOMAIN, "--tls-cert", "a.pem", "--data", data);
        assertFails("--domain takes a DNS name that points at this server", "--domain", "203.0.113.7", "--data", data);
        assertFails("a wildcard needs the DNS-01 challenge", "--domain", "*.example.org", "--data", data);
        assertFails("--acme-directory must be an https:// URL", "--domain", DOMAIN, "--acme-directory", "http://ca.example/dir",
                "--data", data);
        assertFails("--acme-directory must be an https:// URL", "--domain", DOMAIN, "--acme-directory", "https://bad host/",
                "--data", data);
        assertFails("--acme-http-port must be from 1 to 65535, or 0 for none", "--domain", DOMAIN, "--acme-http-port", "70000",
                "--data", data);
        assertFails("--acme-email must be one e-mail address", "--domain", DOMAIN, "--acme-email", "root", "--data", data);
        assertFails("cannot read --acme-ca-cert", "--domain", DOMAIN, "--acme-ca-cert", dir.resolve("absent.pem").toString(),
                "--data", data);
        assertThat(folder).as("nothing written").doesNotExist();
    }

    @Test
    void aDomainMakesTheDefaultListenAddressEveryAddressOnTheHttpsPort() {
        ServerConfig withDomain = parsed("--domain", DOMAIN, "--domain", "www.example.org", "--data", dir.toString());
        assertThat(withDomain.host()).isEqualTo("0.0.0.0");
        assertThat(withDomain.port()).isEqualTo(443);
        assertThat(withDomain.acme().orElseThrow().domains()).containsExactly(DOMAIN, "www.example.org");
        assertThat(withDomain.acme().orElseThrow().stateDirectory()).isEqualTo(dir.toAbsolutePath().resolve("acme"));
        assertThat(withDomain.acme().orElseThrow().httpPort()).hasValue(80);
        ServerConfig listening = parsed("--domain", DOMAIN, "--listen", "127.0.0.1:8443", "--acme-http-port", "0");
        assertThat(listening.host() + ":" + listening.port()).isEqualTo("127.0.0.1:8443");
        assertThat(listening.acme().orElseThrow().httpPort()).isEmpty();
        ServerConfig plain = parsed();
        assertThat(plain.host() + ":" + plain.port()).isEqualTo("127.0.0.1:7878");
        assertThat(plain.acme()).isEmpty();
    }

    private static ServerConfig parsed(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.serverConfig();
    }

    private static void assertFails(String message, String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "server";
        System.arraycopy(flags, 0, args, 1, flags.length);
        MainTest.Result result = parley(args);
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains(message).startsWith("parley: ");
    }

    /** The server's standard output up to the line starting with {@code last}, read as it comes. */
    private static List<String> awaitLines(Process process, String last) throws Exception {
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    queue.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String line = queue.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                lines.add(line);
                if (line.startsWith(last)) {
                    return lines;
                }
            }
            if (!process.isAlive() && queue.isEmpty()) {
                throw new AssertionError("parley server exited with " + process.exitValue() + " after " + lines);
            }
        }
        throw new AssertionError("parley server printed no line starting with '" + last + "' within 120 s: " + lines);
    }
}
