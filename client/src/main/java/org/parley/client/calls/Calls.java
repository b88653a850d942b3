package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.client.ParleyClient;
import org.parley.client.content.v1.CallSignal;
import org.parley.client.conversations.ConversationEvent;
import org.parley.media.packet.CallId;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Calls in conversations. Signalling (ring, accept, join, leave, hang up) travels as
 * {@link CallSignal} application messages of the conversation's MLS group, so the server sees
 * chat-like ciphertext only; media goes through the relay ({@link CallMedia}).
 *
 * <p>This is a conversation listener: pass it to {@code ParleyClient.open} to also see signals
 * in the mail that waited while the device was offline (a ring sent before {@code parley answer}
 * started), then {@link #attach} the client.
 */
public final class Calls implements Consumer<ConversationEvent>, AutoCloseable {
    /** Signals kept, oldest dropped first: bounds memory when nobody takes them. */
    private static final int MAX_SIGNALS = 1_000;
    private final List<ConversationEvent.CallSignalled> signals = new ArrayList<>();
    private ParleyClient client;

    /** Not attached yet: collects signals until {@link #attach}. */
    public Calls() {
    }

    /** Attached to {@code client}, listening from now on. */
    public Calls(ParleyClient client) {
        attach(client);
        client.conversations().addListener(this);
    }

    /** The client that sends this device's signals (its conversations must pass events to {@link #accept}). */
    public synchronized void attach(ParleyClient client) {
        this.client = client;
    }

    private synchronized ParleyClient client() {
        if (client == null) {
            throw new IllegalStateException("attach a client first");
        }
        return client;
    }

    @Override
    public synchronized void accept(ConversationEvent event) {
        if (event instanceof ConversationEvent.CallSignalled signalled && signalled.signal().getCallId().size() == CallId.BYTES) {
            signals.add(signalled);
            if (signals.size() > MAX_SIGNALS) {
                signals.remove(0);
            }
            notifyAll();
        }
    }

    /** Rings the conversation {@code groupId} with a new audio call. */
    public Call ring(byte[] groupId, String conversation) {
        return ring(groupId, conversation, false);
    }

    /** Rings the conversation {@code groupId} with a new call; {@code video}: the ring offers video. */
    public Call ring(byte[] groupId, String conversation, boolean video) {
        CallId callId = CallId.random(client().random());
        Call call = new Call(this, client(), groupId, conversation, callId, video);
        call.signal(CallSignal.Kind.RING);
        return call;
    }

    /**
     * Waits for another device to ring a call that was not hung up yet; the ring is taken, so each
     * is returned once. {@link Call#video} says whether the ring offered video.
     */
    public Call awaitRing(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            ConversationEvent.CallSignalled ring = await(null, CallSignal.Kind.RING,
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (ring == null) {
                throw new CallException("nobody called within " + wait.toSeconds() + " s");
            }
            CallId callId = callId(ring.signal().getCallId());
            if (!has(callId, CallSignal.Kind.HANG_UP)) {
                return new Call(this, client(), ring.groupId().toByteArray(), ring.conversation(), callId, ring.signal().getVideo());
            }
        }
    }

    /**
     * Waits for a signal of {@code kind} (for the call {@code callId}, or any call when null), takes
     * and returns it, or null after {@code wait}.
     */
    synchronized ConversationEvent.CallSignalled await(CallId callId, CallSignal.Kind kind, Duration wait) throws InterruptedException {
        return await(callId, kind, null, wait);
    }

    /** As {@link #await(CallId, CallSignal.Kind, Duration)}, but null as soon as a signal of {@code unless} for the call arrived (not taken). */
    synchronized ConversationEvent.CallSignalled await(CallId callId, CallSignal.Kind kind, CallSignal.Kind unless, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            if (unless != null && has(callId, unless)) {
                return null;
            }
            for (int i = 0; i < signals.size(); i++) {
                ConversationEvent.CallSignalled s = signals.get(i);
                if (s.signal().getKind() == kind && (callId == null || callId(s.signal().getCallId()).equals(callId))) {
                    signals.remove(i);
                    return s;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** True when a signal of {@code kind} for {@code callId} arrived (without taking it). */
    synchronized boolean has(CallId callId, CallSignal.Kind kind) {
        return signals.stream().anyMatch(s -> s.signal().getKind() == kind && callId(s.signal().getCallId()).equals(callId));
    }

    static CallId callId(ByteString bytes) {
        ByteBuffer in = bytes.asReadOnlyByteBuffer();
        return new CallId(in.getLong(), in.getLong());
    }

    @Override
    public void close() {
        ParleyClient attached;
        synchronized (this) {
            attached = client;
        }
        if (attached != null) {
            attached.conversations().removeListener(this);
        }
    }
}
