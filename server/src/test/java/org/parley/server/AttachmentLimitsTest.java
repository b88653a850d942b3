package org.parley.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CountKeyPackages;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on attachment uploads through a live server and real sockets: a daily quota, a bound
 * on open tickets, and clients that send one byte a second.
 */
class AttachmentLimitsTest extends ServerTestBase {
    private static final int MIB = 1024 * 1024;
    private final List<Socket> sockets = new ArrayList<>();

    private static ServerConfig quotas(ServerConfig config, long mibPerDay, int openTickets, Duration uploadTimeout) {
        return config.withQuotas(new ServerConfig.Quotas(1000, 1000, mibPerDay, openTickets, uploadTimeout));
    }

    @Test
    void anAccountsDailyQuotaHoldsAndSaysWhenItOpensAgain() throws Exception {
        start(Backend.SQLITE, config -> quotas(config, 1, 10, Duration.ofMinutes(1)), store -> store);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        ServerFrame first = ticket(alice);
        assertThat(first.getAttachmentTicket().getMaxBytes()).as("never more than the quota").isEqualTo(MIB);
        assertThat(upload(first.getAttachmentTicket().getTicket(), randomBytes(700_000)).statusCode()).isEqualTo(201);

        ServerFrame second = ticket(alice);
        assertThat(second.getAttachmentTicket().getMaxBytes()).isEqualTo(MIB - 700_000);
        HttpResponse<String> over = upload(second.getAttachmentTicket().getTicket(), randomBytes(400_000));
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(over.body()).contains("attachment quota of 1 MiB");
        assertThat(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 86_400L);
        // Without a declared length, the stream is cut where the quota ends.
        HttpResponse<String> chunked = uploadChunked(ticket(alice).getAttachmentTicket().getTicket(), randomBytes(400_000));
        assertThat(chunked.statusCode()).isEqualTo(429);

        assertThat(upload(ticket(alice).getAttachmentTicket().getTicket(), randomBytes(MIB - 700_000)).statusCode()).isEqualTo(201);
        Error spent = alice.request(requestUpload()).getError();
        assertThat(spent.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(spent.getMessage()).contains("midnight UTC");
        assertThat(Duration.ofMillis(spent.getRetryAfterMs())).isBetween(Duration.ofMillis(1), Duration.ofDays(1));
        assertThat(upload(ticket(bob).getAttachmentTicket().getTicket(), randomBytes(700_000)).statusCode())
                .as("another account's quota is its own").isEqualTo(201);
        assertThat(harness.store().admin().stats().attachments()).isEqualTo(3);
    }

    @Test
    void openTicketsAreBoundedAndAFinishedUploadFreesOne() throws Exception {
        start(Backend.SQLITE, config -> quotas(config, 1024, 2, Duration.ofMinutes(1)), store -> store);
        TestClient alice = registered("alice");
        String one = ticket(alice).getAttachmentTicket().getTicket();
        ticket(alice);
        Error third = alice.request(requestUpload()).getError();
        assertThat(third.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(third.getMessage()).contains("too many unfinished attachment uploads");
        assertThat(Duration.ofMillis(third.getRetryAfterMs())).as("until the oldest unused ticket expires")
                .isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
        assertThat(upload(one, randomBytes(1000)).statusCode()).isEqualTo(201);
        assertThat(ticket(alice).hasAttachmentTicket()).isTrue();
    }

    @Test
    void aClientSendingOneByteASecondIsCutOffAndNothingIsKept() throws Exception {
        start(Backend.SQLITE, config -> quotas(config, 1024, 10, Duration.ofSeconds(2)), store -> store);
        TestClient alice = registered("alice");
        Socket slow = slowUpload(ticket(alice).getAttachmentTicket().getTicket(), 100_000);
        long started = System.nanoTime();
        Thread dribble = new Thread(() -> {
            try {
                OutputStream out = slow.getOutputStream();
                for (int i = 0; i < 30; i++) {
                    out.write(7);
                    out.flush();
                    Thread.sleep(1000);
                }
            } catch (IOException | InterruptedException e) {
                // cut off, as it should be
            }
        }, "one-byte-a-second");
        dribble.setDaemon(true);
        dribble.start();
        String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("took longer than this server allows");
        assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(8));
        // The server stopped sending, not reading: what the client still sends is dropped, never
        // answered with a reset (which can destroy the answer before the client has read it).
        OutputStream out = slow.getOutputStream();
        for (int i = 0; i < 5; i++) {
            out.write(new byte[1000]);
            out.flush();
            Thread.sleep(50);
        }
        awaitNoTemporaryFiles();
        assertThat(harness.store().admin().stats().attachments()).isZero();
        // The ticket's slot and the quota it held are back.
        assertThat(ticket(alice).getAttachmentTicket().getMaxBytes()).isEqualTo(harness.store().attachments().maxBytes());
    }

    @Test
    void slowUploadsHoldNoWorkerThread() throws Exception {
        start(Backend.SQLITE, config -> quotas(config, 1024, 100, Duration.ofMinutes(1)), store -> store);
        TestClient mallory = registered("mallory");
        // More stalled uploads than the server has request threads (ParleyServer: 2 per core, at least 4).
        int stalled = 3 * Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < stalled; i++) {
            slowUpload(ticket(mallory).getAttachmentTicket().getTicket(), 10_000).getOutputStream().write(new byte[10]);
        }
        Thread.sleep(300); // their first bytes are written and their tasks have returned
        long started = System.nanoTime();
        TestClient alice = registered("alice");
        assertThat(alice.request(ClientFrame.newBuilder().setCountKeyPackages(CountKeyPackages.getDefaultInstance()))
                .hasKeyPackageCount()).isTrue();
        assertThat(upload(ticket(alice).getAttachmentTicket().getTicket(), randomBytes(200_000)).statusCode()).isEqualTo(201);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("served while %d uploads stall", stalled)
                .isLessThan(Duration.ofSeconds(5));

        for (Socket socket : sockets) {
            socket.close();
        }
        awaitNoTemporaryFiles();
        assertThat(harness.store().admin().stats().attachments()).isEqualTo(1);
    }

    @Test
    void hostileUploadHeadersAreRefused() throws Exception {
        start(Backend.SQLITE, config -> quotas(config, 1, 10, Duration.ofMinutes(1)), store -> store);
        TestClient alice = registered("alice");
        for (String authorization : new String[] {"Ticket ", "Ticket " + "f".repeat(5000), "ticket abc", "Bearer x", "Ticket \u0000"}) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /v1/attachments HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
                        + authorization + "\r\nContent-Length: 3\r\n\r\nabc").getBytes(StandardCharsets.ISO_8859_1));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(answer).as(authorization).matches("(?s)HTTP/1.1 (401|400) .*"); // 400: Netty refuses a NUL in a header
            }
        }
        // A length beyond the quota (and beyond a long) is refused before any byte is read.
        for (String length : new String[] {String.valueOf(2 * MIB), "99999999999999999999999"}) {
            try (Socket socket = slowUpload(ticket(alice).getAttachmentTicket().getTicket(), length)) {
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(answer).as(length).matches("(?s)HTTP/1.1 (429|413|400).*");
            }
        }
        assertThat(ticket(alice).hasAttachmentTicket()).as("refusals give their slots back").isTrue();
    }

    private void awaitNoTemporaryFiles() throws Exception {
        Path directory = harness.store().config().attachmentDirectory();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<String> temporary;
            try (Stream<Path> files = Files.list(directory)) {
                temporary = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
            }
            if (temporary.isEmpty()) {
                return;
            }
            assertThat(System.nanoTime()).as("temporary files left: %s", temporary).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private Socket slowUpload(String ticket, long length) throws IOException {
        return slowUpload(ticket, String.valueOf(length));
    }

    /** Sends an upload's headers and nothing of its body. */
    private Socket slowUpload(String ticket, String length) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
        sockets.add(socket);
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Ticket " + ticket
                + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    @AfterEach
    void closeSockets() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private static ClientFrame.Builder requestUpload() {
        return ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance());
    }

    private static ServerFrame ticket(TestClient client) throws Exception {
        ServerFrame answer = client.request(requestUpload());
        assertThat(answer.hasAttachmentTicket()).as("%s", answer).isTrue();
        return answer;
    }

    private HttpResponse<String> upload(String ticket, byte[] blob) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket).POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> uploadChunked(String ticket, byte[] blob) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(blob))).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
