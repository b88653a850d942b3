package org.parley.server;

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
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ExpiryTest extends ServerTestBase {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void undeliveredMailAndAttachmentsGoAfterThirtyDays(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        bob.close();
        assertThat(alice.request(send(new byte[] {7}, recipient(bob))).hasSendAccepted()).isTrue();
        String ticket = alice.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
        String attachment = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/attachments"))
                .header("Authorization", "Ticket " + ticket).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build(),
                HttpResponse.BodyHandlers.ofString()).body();

        harness.clock.advance(Duration.ofDays(29));
        server.expireNow();
        assertThat(httpGet("/v1/attachments/" + attachment).statusCode()).isEqualTo(200);

        harness.clock.advance(Duration.ofDays(2));
        server.expireNow();
        assertThat(httpGet("/v1/attachments/" + attachment).statusCode()).isEqualTo(404);
        TestClient bobBack = connect();
        bobBack.authenticateAs(bob);
        bobBack.awaitFrame(ServerFrame::hasMailboxDrained);
        assertThat(bobBack.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(200))).isNull();
    }
}
