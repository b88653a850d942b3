package org.parley.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.ServerAddress;
import org.parley.client.testnet.NamespacedServer;
import org.parley.client.testnet.NetworkNamespace;
import org.parley.client.testnet.TestCertificate;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;
import org.parley.server.bridge.Bridge;
import org.parley.server.bridge.BridgeCertificate;
import org.parley.server.bridge.BridgeConfig;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15's bridge test. Three network namespaces: the server's (made by the test, TLS on its
 * veth address), the clients' (made by the test, joined to this one only, so it has no route to
 * the server), and this test's own, where the bridge runs and reaches both. The {@code parley}
 * command runs inside the clients' namespace, as a person behind a blocking network would: it
 * cannot reach the server, and through the bridge link it registers, chats, sends a file and
 * completes a call.
 * tshark records every TCP payload at the bridge, on both sides of it; none holds the message,
 * a username or the server's key.
 *
 * <p>Needs root, nftables and tshark; skipped with the reason otherwise (a failure in CI, which
 * sets {@code PARLEY_REQUIRE_NETNS=1}).
 */
@Tag("netns")
@Tag("realtime")
class BridgeNetnsCommandsTest {
    private static final String ALICE = "alice_behind_the_wall";
    private static final String BOB = "bob_behind_the_wall";
    private static final String SECRET = "the river crossing is at dawn";
    private static final String REPLY = "understood, bringing the maps";
    private static final String FILE_TEXT = "north ford, third tree from the bank. ";
    private static final long COMMAND_SECONDS = 120;

    @TempDir
    static Path temp;
    private static NetworkNamespace serverSide;
    private static NetworkNamespace clientSide;
    private static TestCertificate certificate;
    private static AutoCloseable trust;
    private static String[] trustProperties;
    private static NamespacedServer server;
    private static Bridge bridge;
    private static BridgeCertificate bridgeCertificate;
    private static String unavailable;

    @BeforeAll
    static void makeNetwork() throws Exception {
        try {
            serverSide = NetworkNamespace.create();
            clientSide = NetworkNamespace.create();
        } catch (TestAbortedException e) {
            unavailable = e.getMessage();
            System.err.println("[bridge netns] skipped: " + unavailable);
            return;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/tshark"))) {
            if ("1".equals(System.getenv("PARLEY_REQUIRE_NETNS"))) {
                throw new IllegalStateException("the bridge test records at the bridge with tshark: install Debian's tshark package");
            }
            unavailable = "tshark is not installed (Debian's tshark package)";
            System.err.println("[bridge netns] skipped: " + unavailable);
            return;
        }
        certificate = TestCertificate.create(temp.resolve("tls"), List.of(serverSide.namespaceAddress()));
        trust = certificate.trustedByThisJvm();
        // The same trust for the clients' JVMs, which run in the other namespace.
        trustProperties = new String[] {"-Djavax.net.ssl.trustStore=" + System.getProperty("javax.net.ssl.trustStore"),
                "-Djavax.net.ssl.trustStorePassword=" + System.getProperty("javax.net.ssl.trustStorePassword"),
                "-Djavax.net.ssl.trustStoreType=" + System.getProperty("javax.net.ssl.trustStoreType")};
        server = NamespacedServer.start(serverSide, temp.resolve("server"), certificate, 0, 0);
        String bridgeHost = clientSide.hostAddress().getHostAddress();
        bridgeCertificate = BridgeCertificate.loadOrCreate(temp.resolve("bridge"), bridgeHost);
        bridge = Bridge.start(BridgeConfig.of(new InetSocketAddress(clientSide.hostAddress(), 0),
                new InetSocketAddress(server.address().host(), server.address().port())), bridgeCertificate);
    }

    @AfterAll
    static void removeNetwork() throws Exception {
        for (AutoCloseable each : new AutoCloseable[] {bridge, server, trust, clientSide, serverSide}) {
            if (each != null) {
                each.close();
            }
        }
    }

    @Test
    void behindAWallTheCommandRegistersChatsAndCallsThroughTheBridgeWhichReadsNothing() throws Exception {
        Assumptions.assumeTrue(unavailable == null, unavailable);
        ServerAddress serverAddress = server.address();
        BridgeLink link = new BridgeLink(clientSide.hostAddress().getHostAddress(), bridge.address().getPort(),
                Optional.of(bridgeCertificate.pin()), Optional.empty());
        BridgeLink linkToServer = new BridgeLink(link.host(), link.port(), link.pin(), Optional.of(serverAddress));

        Run straight = parley("carol", "register", "carol", "--server", serverAddress.toString());
        assertThat(straight.code()).as("the server is out of the clients' reach: %s", straight.err()).isNotZero();
        assertThat(straight.err()).contains("cannot reach the Parley server");

        byte[] wrongPin = bridgeCertificate.pin().clone();
        wrongPin[5] ^= 1;
        Run mismatch = parley("carol", "register", "carol", "--server", serverAddress.toString(), "--bridge",
                new BridgeLink(link.host(), link.port(), Optional.of(wrongPin), Optional.empty()).toString());
        assertThat(mismatch.code()).isNotZero();
        assertThat(mismatch.err()).contains("the bridge's certificate does not match the link's pin");

        try (Capture capture = Capture.start(temp.resolve("bridge.pcapng"), bridge.address().getPort(), serverAddress.port())) {
            ok(ALICE, "register", ALICE, "--server", linkToServer.toString());
            ok(BOB, "register", BOB, "--server", serverAddress.toString(), "--bridge", link.toString());
            ok(ALICE, "send", BOB, SECRET);
            ok(BOB, "accept", ALICE);
            assertThat(ok(BOB, "receive").out()).contains(SECRET);
            ok(BOB, "send", ALICE, REPLY);
            assertThat(ok(ALICE, "receive").out()).contains(REPLY);
            Path map = temp.resolve("map.txt");
            Files.writeString(map, FILE_TEXT.repeat(2_000));
            ok(ALICE, "send-file", BOB, map.toString());
            String received = ok(BOB, "receive").out();
            Matcher savedTo = Pattern.compile("\\[file] map\\.txt saved to (\\S+)").matcher(received);
            assertThat(savedTo.find()).as("bob's receive shows the file: %s", received).isTrue();
            Path saved = Path.of(savedTo.group(1));
            assertThat(Files.readString(saved)).as("the file came whole through the bridge").isEqualTo(FILE_TEXT.repeat(2_000));

            Path said = temp.resolve("said.wav");
            Path heard = temp.resolve("heard.wav");
            short[] speech = Signals.speechLike(3, 15);
            WavFiles.write(said, speech);
            CompletableFuture<Run> caller = CompletableFuture.supplyAsync(() -> parley(ALICE, "call", BOB, "--send-audio", said.toString()));
            Run answer = ok(BOB, "answer", "--record", heard.toString(), "--duration", "40");
            Run call = caller.get(COMMAND_SECONDS, TimeUnit.SECONDS);
            assertThat(call.code()).as("call: %s", call.err()).isZero();
            assertThat(call.out()).contains("over tcp");
            double correlation = CrossCorrelation.alignEitherWay(speech, WavFiles.read(heard), OpusFormat.SAMPLE_RATE / 20).correlation();
            assertThat(correlation).as("bob hears alice through the bridge").isGreaterThanOrEqualTo(0.9);

            byte[] relayed = capture.payloads();
            byte[] serverKey = CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(certificate.certificatePem()))
                    .getPublicKey().getEncoded();
            assertThat(relayed.length).as("bytes the bridge carried").isGreaterThan(100_000);
            for (String plain : List.of(SECRET, REPLY, FILE_TEXT, ALICE, BOB)) {
                assertThat(indexOf(relayed, plain.getBytes(StandardCharsets.UTF_8))).as("'%s' in the capture", plain).isNegative();
            }
            assertThat(indexOf(relayed, serverKey)).as("the server's public key in the capture").isNegative();
            System.out.println(String.format(Locale.ROOT, "[bridge netns] %d payload bytes at the bridge, none readable;"
                    + " call over the WebSocket through the bridge: correlation %.3f", relayed.length, correlation));
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run ok(String user, String... args) {
        Run run = parley(user, args);
        assertThat(run.code()).as("%s %s: %s", user, List.of(args), run.err()).isZero();
        return run;
    }

    /** {@code parley --profile PROFILE args…} in a JVM of its own, inside the clients' namespace. */
    private static Run parley(String user, String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        argv.addAll(List.of(trustProperties));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--profile", temp.resolve("profiles").resolve(user).toString()));
        argv.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(temp, user, ".out");
            Path err = Files.createTempFile(temp, user, ".err");
            Process process = new ProcessBuilder(clientSide.command(argv)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("parley " + List.of(args) + " did not finish within " + COMMAND_SECONDS + " s");
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** tshark recording the TCP traffic of the bridge's port and the server's, on every interface of this namespace. */
    private static final class Capture implements AutoCloseable {
        private final Process tshark;
        private final Path file;

        private Capture(Process tshark, Path file) {
            this.tshark = tshark;
            this.file = file;
        }

        static Capture start(Path file, int bridgePort, int serverPort) throws Exception {
            Process tshark = new ProcessBuilder("tshark", "-i", "any", "-w", file.toString(),
                    "-f", "tcp port " + bridgePort + " or tcp port " + serverPort).redirectErrorStream(true).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(tshark.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.contains("Capturing on")) {
                    break;
                }
            }
            assertThat(tshark.isAlive()).as("tshark runs").isTrue();
            // Keep reading its output so that it never blocks on a full pipe.
            Thread drain = new Thread(() -> {
                try {
                    lines.lines().forEach(l -> { });
                } catch (UncheckedIOException stopped) {
                    // tshark was stopped: nothing more to read.
                }
            }, "tshark-output");
            drain.setDaemon(true);
            drain.start();
            return new Capture(tshark, file);
        }

        /** Every TCP payload recorded, in capture order. */
        byte[] payloads() throws Exception {
            stop();
            Process read = new ProcessBuilder("tshark", "-r", file.toString(), "-T", "fields", "-e", "tcp.payload")
                    .redirectErrorStream(false).start();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(read.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    String hex = line.replace(":", "").replace(",", "").strip();
                    if (!hex.isEmpty()) {
                        all.writeBytes(HexFormat.of().parseHex(hex));
                    }
                }
            }
            assertThat(read.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)).isTrue();
            return all.toByteArray();
        }

        private void stop() throws InterruptedException {
            if (tshark.isAlive()) {
                tshark.destroy(); // SIGTERM: tshark finishes the file
                tshark.waitFor(30, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() throws Exception {
            stop();
            tshark.destroyForcibly();
        }
    }
}
