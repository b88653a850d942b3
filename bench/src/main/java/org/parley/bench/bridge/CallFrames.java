package org.parley.bench.bridge;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.parley.bench.load.LatencySummary;
import org.parley.bench.load.parley.DeviceKeys;
import org.parley.bench.load.parley.ParleyConnection;
import org.parley.bench.load.parley.ParleyEndpoint;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.parley.protocol.v1.ServerFrame;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Calls on the WebSocket media path (the one calls take through a bridge): in each call one
 * participant sends a frame every 20 ms, stamped with its send time, and the server's relay pushes
 * it to the other over its WebSocket; the delay of every frame is recorded after a warm-up.
 */
final class CallFrames {
    static final int FRAME_BYTES = 160;
    private static final long FRAME_INTERVAL_MILLIS = 20;
    private static final long WARMUP_MILLIS = 2_000;

    private CallFrames() {
    }

    /** Runs {@code calls} calls of two participants for {@code seconds} (after a warm-up) and returns the frame delays. */
    static LatencySummary run(ParleyEndpoint endpoint, EventLoopGroup group, Class<? extends Channel> channelClass, InetAddress source,
                              int calls, int seconds) throws Exception {
        Histogram delays = new SynchronizedHistogram(1_000L, LatencySummary.HIGHEST_TRACKABLE_NANOS, 3);
        AtomicLong recordFrom = new AtomicLong(Long.MAX_VALUE);
        SecureRandom random = new SecureRandom();
        String prefix = "cf" + HexFormat.of().toHexDigits(random.nextInt()) + "_";
        List<ParleyConnection> connections = new ArrayList<>();
        List<ScheduledFuture<?>> senders = new ArrayList<>();
        try {
            for (int call = 0; call < calls; call++) {
                ByteString callId = ByteString.copyFrom(randomBytes(random, 16));
                ParleyConnection sender = joined(endpoint, group, channelClass, source, prefix + call + "s", callId, random, frame -> {
                });
                ParleyConnection receiver = joined(endpoint, group, channelClass, source, prefix + call + "r", callId, random, frame -> {
                    if (frame.hasMediaFrame()) {
                        long sent = frame.getMediaFrame().getPayload().asReadOnlyByteBuffer().getLong();
                        long now = System.nanoTime();
                        if (sent >= recordFrom.get()) {
                            delays.recordValue(Math.min(now - sent, LatencySummary.HIGHEST_TRACKABLE_NANOS));
                        }
                    }
                });
                connections.add(sender);
                connections.add(receiver);
                senders.add(sender.channel().eventLoop().scheduleAtFixedRate(() -> send(sender, callId),
                        random.nextInt((int) FRAME_INTERVAL_MILLIS), FRAME_INTERVAL_MILLIS, TimeUnit.MILLISECONDS));
            }
            Thread.sleep(WARMUP_MILLIS);
            recordFrom.set(System.nanoTime());
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            senders.forEach(s -> s.cancel(false));
            Thread.sleep(500); // frames in flight
            return LatencySummary.of(delays);
        } finally {
            senders.forEach(s -> s.cancel(false));
            connections.forEach(ParleyConnection::close);
        }
    }

    private static void send(ParleyConnection sender, ByteString callId) {
        byte[] payload = new byte[FRAME_BYTES];
        ByteBuffer.wrap(payload).putLong(System.nanoTime());
        sender.post(ClientFrame.newBuilder().setMediaFrame(MediaFrame.newBuilder().setCallId(callId)
                .setPayload(ByteString.copyFrom(payload))).build());
        sender.flush();
    }

    /** A new account's connection, in call {@code callId} over its WebSocket. */
    private static ParleyConnection joined(ParleyEndpoint endpoint, EventLoopGroup group, Class<? extends Channel> channelClass,
                                           InetAddress source, String username, ByteString callId, SecureRandom random,
                                           Consumer<ServerFrame> unsolicited) throws Exception {
        DeviceKeys keys = new DeviceKeys(random);
        return ParleyConnection.open(endpoint, group, channelClass, source, unsolicited)
                .thenCompose(connection -> signInAndJoin(connection, keys, username, callId)
                        .whenComplete((ok, failure) -> {
                            if (failure != null) {
                                connection.close();
                            }
                        })
                        .thenApply(ok -> connection))
                .get(60, TimeUnit.SECONDS);
    }

    private static CompletableFuture<Void> signInAndJoin(ParleyConnection connection, DeviceKeys keys, String username, ByteString callId) {
        return connection.request(ClientFrame.newBuilder().setRegister(keys.register(username, connection.challenge(), null)))
                .thenCompose(registered -> {
                    expect(registered, registered.hasAuthenticated(), "Register");
                    return connection.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)));
                })
                .thenCompose(token -> {
                    expect(token, token.hasCallToken(), "RequestCallToken");
                    return connection.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(
                            JoinCallOverWebSocket.newBuilder().setToken(token.getCallToken().getToken())));
                })
                .thenAccept(joined -> expect(joined, joined.hasCallJoined(), "JoinCallOverWebSocket"));
    }

    private static void expect(ServerFrame answer, boolean ok, String request) {
        if (!ok) {
            throw new CompletionException(new IOException(request + " was answered with " + answer.getBodyCase()
                    + (answer.hasError() ? ": " + answer.getError().getMessage() : "")));
        }
    }

    private static byte[] randomBytes(SecureRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
