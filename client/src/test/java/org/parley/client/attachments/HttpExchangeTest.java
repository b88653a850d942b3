package org.parley.client.attachments;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.client.net.Dialer;
import org.parley.client.net.Endpoint;
import org.parley.client.net.Route;
import org.parley.client.net.ServerAddress;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The attachment transfer's reading of a server's answer, against a server that answers well,
 * too much, too little, junk, or nothing: bodies are read only up to the size expected, and every
 * bad answer is an {@link AttachmentException} that comes in time.
 */
class HttpExchangeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_BODY = 1_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void aWholeAnswerIsRead() throws Exception {
        HttpExchange.Answer answer = exchange(out -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    }

    @Test
    void aFailureStatusIsTakenWithoutItsBody() throws Exception {
        HttpExchange.Answer answer = exchange(out -> {
            out.write(ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 100000\r\n\r\n"));
            out.write(new byte[100_000]);
        });
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body()).isEmpty();
    }

    @Test
    void aBodyAnnouncedLargerThanExpectedIsRefused() {
        assertThatThrownBy(() -> exchange(out -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n"))))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("larger than the attachment can be");
    }

    @Test
    void aChunkedBodyThatGrowsPastTheLimitIsCutOff() {
        assertThatThrownBy(() -> exchange(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            for (int i = 0; i < 1_000; i++) {
                out.write(ascii("100\r\n" + "x".repeat(256) + "\r\n"));
            }
        })).isInstanceOf(AttachmentException.class).hasMessageContaining("larger than the attachment can be");
    }

    @Test
    void aTruncatedBodyIsAnError() {
        assertThatThrownBy(() -> exchange(out -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nonly this"))))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("closed before the server's answer was complete");
    }

    @Test
    void junkIsNotAnAnswer() {
        assertThatThrownBy(() -> exchange(out -> out.write(ascii("\u0001\u0002 nonsense that is not HTTP at all\r\n\r\n"))))
                .isInstanceOf(AttachmentException.class);
    }

    @Test
    void headersWithoutEndAreCutOff() {
        assertThatThrownBy(() -> exchange(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\n"));
            for (int i = 0; i < 50_000; i++) {
                out.write(ascii("X-Filler-" + i + ": aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"));
            }
        })).isInstanceOf(AttachmentException.class);
    }

    @Test
    void aServerThatSaysNothingTimesOut() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> exchange(out -> {
            try {
                Thread.sleep(TIMEOUT.toMillis() * 3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })).isInstanceOf(AttachmentException.class).hasMessageContaining("did not finish within");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(TIMEOUT.toMillis() * 3);
    }

    private interface Script {
        void answer(OutputStream out) throws IOException;
    }

    /** Runs one GET against a server that reads the request and then runs {@code script}. */
    private HttpExchange.Answer exchange(Script script) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket client = listener.accept()) {
                    client.getInputStream().read(new byte[4096]);
                    script.answer(client.getOutputStream());
                    client.getOutputStream().flush();
                } catch (IOException e) {
                    // The client hung up first: what it made of the answer is what the test checks.
                }
            }, "fake-attachment-server");
            server.setDaemon(true);
            server.start();
            Dialer dialer = new Dialer(Route.DIRECT, group, TIMEOUT);
            Endpoint endpoint = Endpoint.direct(new ServerAddress("127.0.0.1", listener.getLocalPort(), false));
            return HttpExchange.run(application -> dialer.dial(endpoint, application),
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/attachments/00", Unpooled.EMPTY_BUFFER),
                    MAX_BODY, TIMEOUT);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
