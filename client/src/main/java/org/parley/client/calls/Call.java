package org.parley.client.calls;

import org.parley.client.ParleyClient;
import org.parley.client.content.v1.CallSignal;
import org.parley.media.packet.CallId;

import java.time.Duration;

/**
 * One call in a conversation, from this device's side: its signals and, once joined, its media.
 * The call ends for this device with {@link #leave} (the others go on) or {@link #hangUp} (for
 * everyone); {@link #endedByOthers} tells when another member hung up.
 */
public final class Call implements AutoCloseable {
    private final Calls calls;
    private final ParleyClient client;
    private final byte[] groupId;
    private final String conversation;
    private final CallId callId;
    private final boolean video;
    private CallMedia media;

    Call(Calls calls, ParleyClient client, byte[] groupId, String conversation, CallId callId, boolean video) {
        this.calls = calls;
        this.client = client;
        this.groupId = groupId.clone();
        this.conversation = conversation;
        this.callId = callId;
        this.video = video;
    }

    public String conversation() {
        return conversation;
    }

    public CallId callId() {
        return callId;
    }

    /** True when the ring offered video: the ringer sends its camera, and the callee is told "video call". */
    public boolean video() {
        return video;
    }

    void signal(CallSignal.Kind kind) {
        client.conversations().sendCallSignal(groupId, CallSignal.newBuilder().setCallId(RelayLink.callIdBytes(callId))
                .setKind(kind).setVideo(kind == CallSignal.Kind.RING && video).build());
    }

    /** Tells the caller this device will join. */
    public void accept() {
        signal(CallSignal.Kind.ACCEPT);
    }

    /**
     * Waits until another member accepts; false if none did within {@code wait}, or at once when one
     * hung up (declined: {@link #endedByOthers()} tells which).
     */
    public boolean awaitAccepted(Duration wait) throws InterruptedException {
        return calls.await(callId, CallSignal.Kind.ACCEPT, CallSignal.Kind.HANG_UP, wait) != null;
    }

    /** Waits until another member's media joined; false if none did within {@code wait}. */
    public boolean awaitJoined(Duration wait) throws InterruptedException {
        return calls.await(callId, CallSignal.Kind.JOIN, wait) != null;
    }

    /** Joins the media: a call token over the WebSocket, then the relay over UDP or the WebSocket. */
    public synchronized CallMedia join() {
        if (media == null) {
            media = CallMedia.join(client, groupId, callId);
            signal(CallSignal.Kind.JOIN);
        }
        return media;
    }

    /** True once another member hung up this call. */
    public boolean endedByOthers() {
        return calls.has(callId, CallSignal.Kind.HANG_UP);
    }

    /** Leaves the call; the others go on. Returns the media's statistics, or null if it never joined. */
    public synchronized CallStats leave() {
        return end(CallSignal.Kind.LEAVE);
    }

    /** Ends the call for everyone. Returns the media's statistics, or null if it never joined. */
    public synchronized CallStats hangUp() {
        return end(CallSignal.Kind.HANG_UP);
    }

    private CallStats end(CallSignal.Kind kind) {
        CallStats stats = null;
        if (media != null) {
            // Closed first, so that the stats are final: nothing counted after they were taken.
            media.close();
            stats = media.stats();
            media = null;
        }
        signal(kind);
        return stats;
    }

    @Override
    public synchronized void close() {
        if (media != null) {
            media.close();
            media = null;
        }
    }
}
