package org.parley.client.calls;

import org.parley.client.ParleyClient;
import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameEncoder;
import org.parley.media.packet.CallId;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;
import org.parley.media.packet.MediaPacketException;
import org.parley.media.sframe.SFrameException;
import org.parley.media.video.VideoFrame;
import org.parley.media.video.VideoSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The media of one call on this device: Opus audio in 20 ms frames at 48 kHz, and optionally
 * video frames of any size, each encrypted with SFrame (RFC 9605) under this member's key of the
 * conversation group's current epoch ({@link CallKeys}), carried in media packets through the
 * server's relay ({@link RelayLink}, which re-joins with fresh tokens and after reconnections;
 * video fragmented to {@link #VIDEO_MTU} and reassembled by {@link VideoReception}). Received
 * audio goes through a jitter buffer per sender, is decoded, and missing frames are concealed by
 * Opus ({@link AudioPlayout}); the decoded audio of every sender is mixed into the recording and
 * handed to a playout listener (a speaker).
 *
 * <p>Sending is paced by a 20 ms timer from queued samples ({@link #play}), or by a live source
 * calling {@link #sendAudioFrame}; playout runs on a 5 ms timer; video on a timer at its frame rate.
 */
public final class CallMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallMedia.class);
    private static final int AUDIO_STREAM = 0;
    private static final int VIDEO_STREAM = 1;
    /** Media packets of video stay below common path MTUs (and the relay's 1400-byte datagrams). */
    public static final int VIDEO_MTU = 1200;
    public static final int MAX_VIDEO_FPS = 60;
    private static final int PLAYOUT_TICK_MILLIS = 5;

    /** Gets every audio frame played out, decoded or concealed, per sender (on the playout thread; must be quick). */
    @FunctionalInterface
    public interface PlayoutListener {
        void played(long participantId, short[] frame);
    }

    /** A video frame another participant sent, reassembled and decrypted. */
    public record ReceivedVideo(long participantId, long sequence, boolean keyFrame, byte[] data) {
    }

    private final CallId callId;
    private final Clock clock;
    private final CallKeys keys;
    private final AudioPlayout audio = new AudioPlayout();
    private final VideoReception video;
    private final OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "parley-call-media");
        thread.setDaemon(true);
        return thread;
    });
    /** Null until joined: packets that arrive before are dropped. */
    private volatile RelayLink link;
    private long sequence;
    private long framesSent;
    private short[] source = new short[0];
    private int sourcePosition;
    private ScheduledFuture<?> videoSending;
    private long videoSequence;
    private long videoFramesSent;
    private volatile boolean closed;

    private CallMedia(ParleyClient client, byte[] groupId, CallId callId) {
        this.callId = callId;
        this.clock = client.clock();
        this.keys = new CallKeys(client.conversations(), groupId, clock);
        this.video = new VideoReception(keys);
    }

    /**
     * Gets a call token over the signed-in WebSocket and joins the relay for the conversation
     * {@code groupId}. Media timestamps and the token's expiry are read on the client's clock.
     */
    public static CallMedia join(ParleyClient client, byte[] groupId, CallId callId) {
        CallMedia media = new CallMedia(client, groupId, callId);
        media.keys.rekeyIfEpochChanged();
        media.link = RelayLink.join(client, callId, media::received);
        media.timers.scheduleAtFixedRate(media::sendNext, 0, OpusFormat.FRAME_MILLIS, TimeUnit.MILLISECONDS);
        media.timers.scheduleAtFixedRate(() -> media.audio.playOut(media.clock.millis()), PLAYOUT_TICK_MILLIS,
                PLAYOUT_TICK_MILLIS, TimeUnit.MILLISECONDS);
        return media;
    }

    /** Queues audio (48 kHz mono) to send after what is queued; silence is not sent while nothing is queued. */
    public synchronized void play(short[] samples) {
        short[] rest = Arrays.copyOfRange(source, sourcePosition, source.length);
        source = Arrays.copyOf(rest, rest.length + samples.length);
        System.arraycopy(samples, 0, source, rest.length, samples.length);
        sourcePosition = 0;
    }

    /** True while queued audio is still being sent. */
    public synchronized boolean sending() {
        return sourcePosition < source.length;
    }

    /**
     * Sends one 20 ms frame ({@link OpusFormat#FRAME_SAMPLES} samples) now, for a live source such
     * as a microphone that delivers frames at its own pace.
     */
    public void sendAudioFrame(short[] frame) {
        if (frame.length != OpusFormat.FRAME_SAMPLES) {
            throw new IllegalArgumentException("an audio frame has " + OpusFormat.FRAME_SAMPLES + " samples, got " + frame.length);
        }
        if (!closed) {
            sendAudio(frame);
        }
    }

    /** Whether received audio is kept for {@link #recording()} (on by default); a live call needs it off to bound memory. */
    public void keepRecording(boolean keep) {
        audio.keepRecording(keep);
    }

    /** Where every played-out audio frame goes as well, e.g. a speaker; null for none. */
    public void onPlayout(PlayoutListener listener) {
        audio.onPlayout(listener);
    }

    /** Where received video frames go (on a network thread; must be quick); null for none. */
    public void onVideo(Consumer<ReceivedVideo> listener) {
        video.onVideo(listener);
    }

    /** Starts sending a frame of {@code source} {@code fps} times a second, until {@link #stopVideo}. */
    public synchronized void startVideo(VideoSource source, int fps) {
        if (fps < 1 || fps > MAX_VIDEO_FPS) {
            throw new IllegalArgumentException("the video frame rate must be 1.." + MAX_VIDEO_FPS + " frames per second, was " + fps);
        }
        if (videoSending != null) {
            throw new IllegalStateException("video is already being sent");
        }
        videoSending = timers.scheduleAtFixedRate(() -> sendVideo(source), 0, 1_000_000L / fps, TimeUnit.MICROSECONDS);
    }

    /** Stops sending video; a frame being sent is finished. */
    public void stopVideo() {
        ScheduledFuture<?> running;
        synchronized (this) {
            running = videoSending;
            videoSending = null;
        }
        if (running != null) {
            running.cancel(false);
        }
    }

    /**
     * SFrame-encrypts a frame with its header fields as metadata. {@code sender} is read once per
     * frame by the caller: a re-join may change this device's participant id, and the metadata
     * must match the packets' header.
     */
    private byte[] seal(int flags, long sender, int stream, long frameSequence, long timestamp, byte[] plaintext) throws SFrameException {
        return keys.seal(MediaFrame.metadata(flags, callId, sender, stream, frameSequence, timestamp), plaintext);
    }

    private void sendNext() {
        short[] frame;
        synchronized (this) {
            if (closed || sourcePosition >= source.length) {
                return;
            }
            frame = Arrays.copyOfRange(source, sourcePosition, sourcePosition + OpusFormat.FRAME_SAMPLES);
            sourcePosition += OpusFormat.FRAME_SAMPLES;
        }
        sendAudio(frame);
    }

    private void sendAudio(short[] frame) {
        try {
            byte[] opus;
            long frameSequence;
            // One encoder and one sequence for the queued and the live source: taken together.
            synchronized (encoder) {
                opus = encoder.encode(frame);
                synchronized (this) {
                    frameSequence = sequence++;
                }
            }
            long timestamp = clock.millis();
            long sender = link.participantId();
            byte[] ciphertext = seal(0, sender, AUDIO_STREAM, frameSequence, timestamp, opus);
            link.transport().send(new MediaPacket(0, callId, sender, AUDIO_STREAM, frameSequence, timestamp, 0, 1, ciphertext).encode());
            synchronized (this) {
                framesSent++;
            }
        } catch (AudioCodecException | SFrameException | RuntimeException e) {
            // A scheduled task that throws is never run again: log and go on with the next frame.
            log.warn("sending an audio frame failed: {}", e.getMessage());
        }
    }

    private void sendVideo(VideoSource source) {
        try {
            if (closed) {
                return;
            }
            VideoFrame frame = source.next();
            long frameSequence;
            synchronized (this) {
                frameSequence = videoSequence++;
            }
            int flags = MediaPacket.FLAG_VIDEO | (frame.keyFrame() ? MediaPacket.FLAG_KEY_FRAME : 0);
            long timestamp = clock.millis();
            long sender = link.participantId();
            byte[] ciphertext = seal(flags, sender, VIDEO_STREAM, frameSequence, timestamp, frame.data());
            RelayTransport now = link.transport();
            for (MediaPacket packet : new MediaFrame(flags, callId, sender, VIDEO_STREAM, frameSequence, timestamp, ciphertext)
                    .fragment(VIDEO_MTU)) {
                now.send(packet.encode());
            }
            synchronized (this) {
                videoFramesSent++;
            }
        } catch (SFrameException | RuntimeException e) {
            log.warn("sending a video frame failed: {}", e.getMessage());
        }
    }

    private void received(byte[] bytes) {
        RelayLink joined = link;
        if (joined == null) {
            return;
        }
        MediaPacket packet;
        try {
            packet = MediaPacket.decode(bytes, 0, bytes.length);
        } catch (MediaPacketException e) {
            log.debug("dropped a malformed media packet: {}", e.getMessage());
            return;
        }
        if (!packet.callId().equals(callId) || packet.participantId() == joined.participantId()) {
            return;
        }
        if (isAudio(packet)) {
            byte[] metadata = MediaFrame.metadata(packet.flags(), packet.callId(), packet.participantId(), packet.streamId(),
                    packet.sequence(), packet.timestamp());
            byte[] opus = keys.open(metadata, packet.payload());
            if (opus != null) {
                audio.offer(packet.participantId(), packet.sequence(), packet.timestamp(), opus, clock.millis());
            }
        } else if (packet.streamId() == VIDEO_STREAM && (packet.flags() & MediaPacket.FLAG_VIDEO) != 0) {
            video.accept(packet);
        }
    }

    /** Whether {@code packet} is a whole audio frame (audio is never fragmented). */
    static boolean isAudio(MediaPacket packet) {
        return packet.streamId() == AUDIO_STREAM && (packet.flags() & MediaPacket.FLAG_VIDEO) == 0 && packet.fragmentCount() == 1;
    }

    /** What each other participant said so far, by sender, in the order they were first heard (48 kHz mono). */
    public List<short[]> recordings() {
        return audio.recordings();
    }

    /** Everything heard so far, every sender's audio mixed from the start of its stream (48 kHz mono). */
    public short[] recording() {
        List<short[]> senders = recordings();
        int longest = senders.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] mix = new int[longest];
        for (short[] sender : senders) {
            for (int i = 0; i < sender.length; i++) {
                mix[i] += sender[i];
            }
        }
        short[] out = new short[mix.length];
        for (int i = 0; i < mix.length; i++) {
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, mix[i]));
        }
        return out;
    }

    /** Other participants heard from. */
    public int senders() {
        return audio.senders();
    }

    /** How media goes now: over UDP or the WebSocket. */
    public String currentTransport() {
        return link.currentPath();
    }

    public CallStats stats() {
        RelayLink.Usage usage = link.usage();
        AudioPlayout.Totals heard = audio.totals();
        VideoReception.Totals seen = video.totals();
        long sent;
        long videoSent;
        synchronized (this) {
            sent = framesSent;
            videoSent = videoFramesSent;
        }
        return new CallStats(usage.transports(), usage.switches(), sent, heard.played(), heard.lost(), heard.concealed(),
                heard.meanDelayMillis(), heard.p99DelayMillis(), videoSent, seen.received(), seen.lost(), usage.rejoins(),
                usage.leftUdpBecause());
    }

    /** Frames that arrived but did not decrypt (wrong key or altered). */
    public long undecryptable() {
        return keys.undecryptable();
    }

    /** Re-joins of the relay so far (token refreshes and reconnections). */
    public int rejoins() {
        return link.rejoins();
    }

    @Override
    public void close() {
        closed = true;
        link.stopRejoining();
        timers.shutdown();
        try {
            timers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        link.close();
    }
}
