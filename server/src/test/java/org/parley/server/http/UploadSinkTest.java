package org.parley.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.attachments.AttachmentRecord;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a refused upload's connection closes. The answer is written from the worker pool, so the
 * event loop can read the body's last chunk before the answer has gone out; closing then would end
 * the connection with no answer (the client saw "header parser received no bytes").
 */
class UploadSinkTest {
    private static final int LIMIT = 1024;

    @TempDir
    Path temp;
    private StoreHarness harness;
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final Refusal refusal = new Refusal();
    private UploadSink sink;

    @BeforeEach
    void open() {
        harness = StoreHarness.open(Backend.SQLITE, temp);
        sink = new UploadSink(channel, pool, harness.store().attachments(), LIMIT, refusal);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        channel.finishAndReleaseAll();
        harness.close();
    }

    @Test
    void aRefusedUploadClosesAfterItsLastChunkOnlyOnceTheAnswerIsWritten() throws Exception {
        sendOverTheLimit();
        ChannelPromise answer = channel.newPromise(); // still being written
        sink.closeAfterBody(answer);
        sink.onContent(context(), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("open while the answer is not written").isTrue();
        answer.setSuccess();
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("closed once the answer is written").isFalse();
    }

    @Test
    void aLastChunkArrivingBeforeTheRefusalIsAnsweredStillClosesTheConnection() throws Exception {
        sendOverTheLimit();
        sink.onContent(context(), LastHttpContent.EMPTY_LAST_CONTENT); // refused, not yet answered
        ChannelPromise answer = channel.newPromise();
        sink.closeAfterBody(answer);
        answer.setSuccess();
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("closed once answered, not left to the linger").isFalse();
    }

    private void sendOverTheLimit() throws InterruptedException {
        sink.onContent(context(), new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[LIMIT + 1])));
        assertThat(refusal.tooLarge.await(10, TimeUnit.SECONDS)).as("refused as too large").isTrue();
    }

    private ChannelHandlerContext context() {
        return channel.pipeline().firstContext();
    }

    /** Notes the refusal; the test answers it when it chooses. */
    private static final class Refusal implements UploadSink.Outcome {
        final CountDownLatch tooLarge = new CountDownLatch(1);

        @Override
        public void stored(AttachmentRecord record) {
            throw new AssertionError("stored an upload over the limit");
        }

        @Override
        public void tooLarge(long limit) {
            tooLarge.countDown();
        }

        @Override
        public void failed(RuntimeException e) {
            throw new AssertionError("failed", e);
        }

        @Override
        public void cancelled() {
            throw new AssertionError("cancelled");
        }
    }
}
