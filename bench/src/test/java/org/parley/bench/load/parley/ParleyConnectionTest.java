package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.Pong;
import org.parley.protocol.v1.ServerFrame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** What one connection makes of what a server (perhaps a hostile one) sends it. */
class ParleyConnectionTest {

    private final List<ServerFrame> unsolicited = new ArrayList<>();
    private final ParleyConnection connection = new ParleyConnection(unsolicited::add);
    private final EmbeddedChannel channel = new EmbeddedChannel(connection);

    private void receive(ServerFrame frame) {
        channel.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
    }

    private static ServerFrame challenge() {
        return ServerFrame.newBuilder().setChallenge(Challenge.newBuilder().setNonce(ByteString.copyFrom(new byte[32]))).build();
    }

    @Test
    void itOpensOnTheChallengeAndMatchesAnswersToRequests() {
        receive(challenge());
        assertThat(connection.opened()).isCompleted();
        CompletableFuture<ServerFrame> answer = connection.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()));
        ClientFrame sent = sentFrame();
        receive(ServerFrame.newBuilder().setRequestId(sent.getRequestId() + 1000).setPong(Pong.getDefaultInstance()).build());
        assertThat(answer).isNotDone();
        receive(ServerFrame.newBuilder().setRequestId(sent.getRequestId()).setPong(Pong.getDefaultInstance()).build());
        assertThat(answer).isCompletedWithValueMatching(ServerFrame::hasPong);
        // The answer to no request, and a push, go to the consumer; neither completes anything twice.
        receive(ServerFrame.newBuilder().setRequestId(sent.getRequestId()).setPong(Pong.getDefaultInstance()).build());
        receive(ServerFrame.newBuilder().setDeliver(Deliver.newBuilder().setEnvelopeId(1)).build());
        assertThat(unsolicited).hasSize(3);
    }

    @Test
    void aMalformedOrTruncatedFrameClosesTheConnectionAndFailsWhatWaits() {
        byte[] frame = challenge().toByteArray();
        channel.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(Arrays.copyOf(frame, frame.length - 5))));
        assertThat(connection.opened()).isCompletedExceptionally();
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void garbageAfterOpeningClosesTheConnectionAndFailsPendingRequests() {
        receive(challenge());
        CompletableFuture<ServerFrame> answer = connection.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()));
        channel.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f})));
        assertThat(channel.isActive()).isFalse();
        assertThat(answer).isCompletedExceptionally();
        assertThat(connection.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()))).isCompletedExceptionally();
    }

    @Test
    void aSecondChallengeOrATextFrameIsNoAnswerToAnything() {
        receive(challenge());
        receive(challenge());
        channel.writeInbound(new TextWebSocketFrame("{\"ok\":true}"));
        assertThat(unsolicited).hasSize(1);
        assertThat(channel.isActive()).isTrue();
    }

    private ClientFrame sentFrame() {
        BinaryWebSocketFrame written = channel.readOutbound();
        try {
            byte[] bytes = new byte[written.content().readableBytes()];
            written.content().readBytes(bytes);
            return ClientFrame.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        } finally {
            written.release();
        }
    }
}
