package org.parley.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class HttpTest extends ServerTestBase {

    @Test
    void healthzAndMetrics() throws Exception {
        start(Backend.SQLITE);
        assertThat(httpGet("/healthz").statusCode()).isEqualTo(200);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        assertThat(alice.request(send(new byte[256], recipient(bob))).hasSendAccepted()).isTrue();
        bob.awaitFrame(ServerFrame::hasDeliver);
        alice.sendRaw(new byte[] {(byte) 0xff});
        alice.awaitFrame(ServerFrame::hasError);

        HttpResponse<String> metrics = httpGet("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body())
                .contains("# TYPE parley_connections gauge\nparley_connections 2\n")
                .contains("parley_sends_total 1\n")
                .contains("parley_deliveries_total 1\n")
                .contains("parley_errors_total{code=\"MALFORMED_FRAME\"} 1\n")
                .containsPattern("parley_frames_received_total [1-9]");
        assertThat(httpGet("/nothing-here").statusCode()).isEqualTo(404);
    }

    private String ticket(TestClient client) throws Exception {
        return client.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
    }

    private HttpResponse<String> upload(String ticket, byte[] blob) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob));
        if (ticket != null) {
            request.header("Authorization", "Ticket " + ticket);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void attachmentsUploadWithATicketOnceAndDownloadById(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        byte[] blob = randomBytes(3 * 1024 * 1024 + 17);
        String ticket = ticket(alice);

        HttpResponse<String> created = upload(ticket, blob);
        assertThat(created.statusCode()).isEqualTo(201);
        String id = created.body();
        assertThat(id).matches("[0-9a-f]{32}");

        HttpResponse<byte[]> downloaded = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(downloaded.statusCode()).isEqualTo(200);
        assertThat(downloaded.body()).isEqualTo(blob);

        assertThat(upload(ticket, blob).statusCode()).as("a ticket works once").isEqualTo(401);
        assertThat(upload(null, blob).statusCode()).isEqualTo(401);
        assertThat(httpGet("/v1/attachments/" + "0".repeat(32)).statusCode()).isEqualTo(404);
        assertThat(httpGet("/v1/attachments/../../etc/passwd").statusCode()).isEqualTo(404);
    }

    @Test
    void uploadsOverTheSizeCapAreRefusedAndNotKept() throws Exception {
        start(Backend.SQLITE, config -> config, store -> store.withAttachmentMaxBytes(1024 * 1024));
        TestClient alice = registered("alice");
        assertThat(alice.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getMaxBytes()).isEqualTo(1024 * 1024);
        assertThat(upload(ticket(alice), randomBytes(1024 * 1024 + 1)).statusCode()).isEqualTo(413);
        // Without a declared length the stream is cut at the cap as well.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket(alice))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(randomBytes(2 * 1024 * 1024)))).build();
        assertThat(HttpClient.newHttpClient().send(chunked, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(413);
        assertThat(harness.store().admin().stats().attachments()).isZero();
        assertThat(upload(ticket(alice), randomBytes(1024 * 1024)).statusCode()).isEqualTo(201);
    }
}
