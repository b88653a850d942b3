package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.Conversations;
import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameDecoder;
import org.parley.media.audio.OpusFrameEncoder;
import org.parley.media.jitter.JitterBuffer;
import org.parley.media.jitter.JitterStats;
import org.parley.media.jitter.Playout;
import org.parley.media.packet.CallId;
import org.parley.media.packet.FrameReassembler;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;
import org.parley.media.packet.MediaPacketException;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;
import org.parley.media.sframe.SFrameException;
import org.parley.media.sframe.UnknownKeyIdException;
import org.parley.media.video.VideoFrame;
import org.parley.media.video.VideoSource;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The media of one call on this device: Opus audio in 20 ms frames at 48 kHz, and optionally
 * video frames of any size, each encrypted with SFrame (RFC 9605) under this member's key of the
 * conversation group's current epoch (Section 5.2, via {@link MlsSFrameKeys}; re-keyed when the
 * epoch changes), carried in media packets through the server's relay by {@link RelayTransport}
 * (video fragmented to {@link #VIDEO_MTU} and reassembled). Received audio goes through a jitter
 * buffer per sender, is decoded, and missing frames are concealed by Opus; the decoded audio of
 * every sender is mixed into the recording and handed to a playout listener (a speaker).
 *
 * <p>The relay admits this device with a call token that expires (an hour by default): the media
 * joins again with a fresh token before that, and whenever the session's connection to the
 * server was re-established (the relay forgot a participant that was joined over the old
 * WebSocket). Each re-join is a new {@link RelayTransport}; the old one is closed after.
 *
 * <p>Sending is paced by a 20 ms timer from queued samples ({@link #play}), or by a live source
 * calling {@link #sendAudioFrame}; playout runs on a 5 ms timer; video on a timer at its frame rate.
 */
public final class CallMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallMedia.class);
    static final SFrameCipherSuite SUITE = SFrameCipherSuite.AES_128_GCM_SHA256_128;
    /** The base key length of {@link #SUITE} (its Nk). */
    private static final int BASE_KEY_BYTES = 16;
    /** Low-order epoch bits in a KID (RFC 9605 Section 5.2's E): keys of 16 epochs are kept. */
    private static final int EPOCH_BITS = 4;
    private static final int AUDIO_STREAM = 0;
    private static final int VIDEO_STREAM = 1;
    /** Media packets of video stay below common path MTUs (and the relay's 1400-byte datagrams). */
    public static final int VIDEO_MTU = 1200;
    public static final int MAX_VIDEO_FPS = 60;
    private static final int PLAYOUT_TICK_MILLIS = 5;
    /** How often the group's epoch is checked for a re-key while sending. */
    private static final long EPOCH_CHECK_MILLIS = 500;
    /** Most senders heard at once; packets of further participant ids are dropped. */
    private static final int MAX_SENDERS = 64;
    /** Never refresh the token more often than this, even if the clocks disagree about its expiry. */
    private static final long MIN_REFRESH_MILLIS = 1_000;
    private static final long REJOIN_RETRY_MILLIS = 1_000;

    /** Gets every audio frame played out, decoded or concealed, per sender (on the playout thread; must be quick). */
    @FunctionalInterface
    public interface PlayoutListener {
        void played(long participantId, short[] frame);
    }

    /** A video frame another participant sent, reassembled and decrypted. */
    public record ReceivedVideo(long participantId, long sequence, boolean keyFrame, byte[] data) {
    }

    private final ParleyClient client;
    private final byte[] groupId;
    private final CallId callId;
    private final Clock clock;
    private volatile long participantId;
    private final MlsSFrameKeys keys = new MlsSFrameKeys(SUITE, EPOCH_BITS);
    private final OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private final Map<Long, VideoReceiver> videoReceivers = new LinkedHashMap<>();
    /**
     * Guarded by itself: packets come from the UDP thread and the WebSocket thread. At most 16
     * incomplete frames of 2 MiB (a 4K key frame fits), so forged fragments, which anyone on the
     * path can send, hold at most 32 MiB.
     */
    private final FrameReassembler reassembler = new FrameReassembler(16, 2L << 20);
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "parley-call-media");
        thread.setDaemon(true);
        return thread;
    });
    /** Re-joins and token refreshes: they wait on the network, so never on the media timers. */
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "parley-call-rejoin");
        thread.setDaemon(true);
        return thread;
    });
    private final Runnable onReconnect = () -> requestRejoin("the connection to the server was re-established");
    private final Object joinLock = new Object();
    private volatile RelayTransport transport;
    /** What transports retired by a re-join used, and their switches; guarded by {@link #joinLock}. */
    private final Set<String> retiredTransports = new LinkedHashSet<>();
    private int retiredSwitches;
    private int rejoins;
    private ScheduledFuture<?> refresh;
    /** The epoch whose keys were entered last; guarded by {@link #keys}. */
    private long keyedEpoch = -1;
    private volatile long lastEpochCheck;
    private long sequence;
    private long framesSent;
    private long undecryptable;
    private short[] source = new short[0];
    private int sourcePosition;
    private boolean keepRecording = true;
    private PlayoutListener playoutListener;
    private Consumer<ReceivedVideo> videoListener;
    private ScheduledFuture<?> video;
    private long videoSequence;
    private long videoFramesSent;
    private volatile boolean closed;

    /** One remote sender's audio: its jitter buffer, decoder and what it played. */
    private static final class Receiver {
        final JitterBuffer jitter = new JitterBuffer(JitterBuffer.Config.audio());
        final OpusFrameDecoder decoder = new OpusFrameDecoder();
        final List<short[]> played = new ArrayList<>();
    }

    /** One remote sender's video: which frames came whole. */
    private static final class VideoReceiver {
        long first = -1;
        long highest = -1;
        long received;

        long lost() {
            return first < 0 ? 0 : Math.max(0, highest - first + 1 - received);
        }
    }

    private CallMedia(ParleyClient client, byte[] groupId, CallId callId) {
        this.client = client;
        this.groupId = groupId.clone();
        this.callId = callId;
        this.clock = client.clock();
    }

    /**
     * Gets a call token over the signed-in WebSocket and joins the relay for the conversation
     * {@code groupId}. Media timestamps and the token's expiry are read on the client's clock.
     */
    public static CallMedia join(ParleyClient client, byte[] groupId, CallId callId) {
        CallMedia media = new CallMedia(client, groupId, callId);
        media.start();
        return media;
    }

    private void start() {
        rekeyIfEpochChanged();
        CallToken token = requestToken();
        participantId = Integer.toUnsignedLong(token.getParticipantId());
        transport = connect(token);
        scheduleRefresh(token);
        client.session().addReconnectListener(onReconnect);
        client.onMediaFrames(frame -> transport.receivedOverWebSocket(frame));
        timers.scheduleAtFixedRate(this::sendNext, 0, OpusFormat.FRAME_MILLIS, TimeUnit.MILLISECONDS);
        timers.scheduleAtFixedRate(this::playOut, PLAYOUT_TICK_MILLIS, PLAYOUT_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private CallToken requestToken() {
        return client.session().call(ClientFrame.newBuilder().setRequestCallToken(
                RequestCallToken.newBuilder().setCallId(callIdBytes(callId)))).getCallToken();
    }

    private RelayTransport connect(CallToken token) {
        return RelayTransport.join(client.session(), client.session().address().host(), callIdBytes(callId), token, this::received);
    }

    static ByteString callIdBytes(CallId callId) {
        return ByteString.copyFrom(java.nio.ByteBuffer.allocate(CallId.BYTES).putLong(callId.high()).putLong(callId.low()).array());
    }

    /** Refreshes at three quarters of the token's remaining life, leaving a quarter for the re-join. */
    private void scheduleRefresh(CallToken token) {
        long remaining = token.getExpiresAt() - clock.millis();
        long delay = Math.max(MIN_REFRESH_MILLIS, remaining * 3 / 4);
        synchronized (joinLock) {
            if (refresh != null) {
                refresh.cancel(false);
            }
            if (!closed) {
                refresh = control.schedule(() -> rejoin("the call token expires soon"), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void requestRejoin(String why) {
        if (!closed) {
            control.execute(() -> rejoin(why));
        }
    }

    /**
     * Joins the relay again with a fresh token, through a new transport (UDP first, else the
     * WebSocket), then closes the old one; media keeps flowing on the old one meanwhile. On
     * failure it tries again a second later, for as long as the call lasts.
     */
    private void rejoin(String why) {
        if (closed) {
            return;
        }
        try {
            CallToken token = requestToken();
            RelayTransport fresh = connect(token);
            RelayTransport old;
            synchronized (joinLock) {
                if (closed) {
                    fresh.close();
                    return;
                }
                old = transport;
                retiredTransports.addAll(List.of(old.transportsUsed().split("\\+")));
                retiredSwitches += old.switches() + (old.path() == fresh.path() ? 0 : 1);
                rejoins++;
                participantId = Integer.toUnsignedLong(token.getParticipantId());
                transport = fresh;
            }
            old.close();
            log.info("call media re-joined the relay over {} ({})", currentTransport(), why);
            scheduleRefresh(token);
        } catch (RuntimeException e) {
            log.warn("re-joining the call failed ({}); trying again: {}", why, e.getMessage());
            if (!closed) {
                control.schedule(() -> rejoin(why), REJOIN_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
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
    public synchronized void keepRecording(boolean keep) {
        keepRecording = keep;
    }

    /** Where every played-out audio frame goes as well, e.g. a speaker; null for none. */
    public synchronized void onPlayout(PlayoutListener listener) {
        playoutListener = listener;
    }

    /** Where received video frames go (on a network thread; must be quick); null for none. */
    public synchronized void onVideo(Consumer<ReceivedVideo> listener) {
        videoListener = listener;
    }

    /** Starts sending a frame of {@code source} {@code fps} times a second, until {@link #stopVideo}. */
    public synchronized void startVideo(VideoSource source, int fps) {
        if (fps < 1 || fps > MAX_VIDEO_FPS) {
            throw new IllegalArgumentException("the video frame rate must be 1.." + MAX_VIDEO_FPS + " frames per second, was " + fps);
        }
        if (video != null) {
            throw new IllegalStateException("video is already being sent");
        }
        video = timers.scheduleAtFixedRate(() -> sendVideo(source), 0, 1_000_000L / fps, TimeUnit.MICROSECONDS);
    }

    /** Stops sending video; a frame being sent is finished. */
    public void stopVideo() {
        ScheduledFuture<?> running;
        synchronized (this) {
            running = video;
            video = null;
        }
        if (running != null) {
            running.cancel(false);
        }
    }

    /** Under the keys' lock, so that the sending and receiving threads re-key once; it takes the conversations' lock inside. */
    private void rekeyIfEpochChanged() {
        Conversations conversations = client.conversations();
        synchronized (keys) {
            if (conversations.epoch(groupId) == keyedEpoch) {
                return;
            }
            Conversations.EpochSecret secret = conversations.exportSecret(groupId, MlsSFrameKeys.EXPORTER_LABEL, BASE_KEY_BYTES);
            keys.enterEpoch(secret.epoch(), secret.ownLeaf(), secret.memberLeaves(), secret.leafCount(), (label, context, length) -> {
                if (length != BASE_KEY_BYTES || !label.equals(MlsSFrameKeys.EXPORTER_LABEL)) {
                    throw new IllegalStateException("the SFrame suite wants " + length + " key bytes, " + BASE_KEY_BYTES + " were exported");
                }
                return secret.secret();
            });
            keyedEpoch = secret.epoch();
        }
    }

    private void rekeyNowAndThen() {
        long now = clock.millis();
        if (now - lastEpochCheck >= EPOCH_CHECK_MILLIS) {
            lastEpochCheck = now;
            rekeyIfEpochChanged();
        }
    }

    /**
     * SFrame-encrypts a frame with its header fields as metadata, under this device's key of the
     * current epoch. {@code sender} is read once per frame by the caller: a re-join may change
     * this device's participant id, and the metadata must match the packets' header.
     */
    private byte[] seal(int flags, long sender, int stream, long frameSequence, long timestamp, byte[] plaintext) throws SFrameException {
        rekeyNowAndThen();
        byte[] metadata = MediaFrame.metadata(flags, callId, sender, stream, frameSequence, timestamp);
        synchronized (keys) {
            return keys.encrypt(metadata, plaintext);
        }
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
            long sender = participantId;
            byte[] ciphertext = seal(0, sender, AUDIO_STREAM, frameSequence, timestamp, opus);
            transport.send(new MediaPacket(0, callId, sender, AUDIO_STREAM, frameSequence, timestamp, 0, 1, ciphertext).encode());
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
            long sender = participantId;
            byte[] ciphertext = seal(flags, sender, VIDEO_STREAM, frameSequence, timestamp, frame.data());
            RelayTransport now = transport;
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
        MediaPacket packet;
        try {
            packet = MediaPacket.decode(bytes, 0, bytes.length);
        } catch (MediaPacketException e) {
            log.debug("dropped a malformed media packet: {}", e.getMessage());
            return;
        }
        if (!packet.callId().equals(callId) || packet.participantId() == participantId) {
            return;
        }
        boolean isVideo = (packet.flags() & MediaPacket.FLAG_VIDEO) != 0;
        if (packet.streamId() == AUDIO_STREAM && !isVideo && packet.fragmentCount() == 1) {
            receivedAudio(packet);
        } else if (packet.streamId() == VIDEO_STREAM && isVideo) {
            Optional<MediaFrame> whole;
            synchronized (reassembler) {
                whole = reassembler.accept(packet);
            }
            whole.ifPresent(this::receivedVideo);
        }
    }

    private void receivedAudio(MediaPacket packet) {
        byte[] metadata = MediaFrame.metadata(packet.flags(), packet.callId(), packet.participantId(), packet.streamId(),
                packet.sequence(), packet.timestamp());
        byte[] opus = open(metadata, packet.payload());
        if (opus == null) {
            return;
        }
        long now = clock.millis();
        synchronized (this) {
            Receiver receiver = receivers.get(packet.participantId());
            if (receiver == null) {
                if (receivers.size() >= MAX_SENDERS) {
                    return;
                }
                receiver = new Receiver();
                receivers.put(packet.participantId(), receiver);
            }
            receiver.jitter.offer(packet.sequence(), packet.timestamp(), opus, now);
        }
    }

    private void receivedVideo(MediaFrame frame) {
        byte[] data = open(frame.metadata(), frame.payload());
        if (data == null) {
            return;
        }
        Consumer<ReceivedVideo> listener;
        synchronized (this) {
            VideoReceiver receiver = videoReceivers.get(frame.participantId());
            if (receiver == null) {
                if (videoReceivers.size() >= MAX_SENDERS) {
                    return;
                }
                receiver = new VideoReceiver();
                videoReceivers.put(frame.participantId(), receiver);
            }
            receiver.first = receiver.first < 0 ? frame.sequence() : Math.min(receiver.first, frame.sequence());
            receiver.highest = Math.max(receiver.highest, frame.sequence());
            receiver.received++;
            listener = videoListener;
        }
        if (listener != null) {
            listener.accept(new ReceivedVideo(frame.participantId(), frame.sequence(),
                    (frame.flags() & MediaPacket.FLAG_KEY_FRAME) != 0, data));
        }
    }

    /** The plaintext of a received frame, or null (counted) when it does not decrypt. */
    private byte[] open(byte[] metadata, byte[] ciphertext) {
        try {
            return decrypt(metadata, ciphertext);
        } catch (SFrameException e) {
            synchronized (this) {
                undecryptable++;
            }
            log.debug("dropped a media frame that does not decrypt: {}", e.getMessage());
            return null;
        }
    }

    /** Decrypts; a KID of an epoch not keyed yet means the group moved on: re-key once and retry. */
    private byte[] decrypt(byte[] metadata, byte[] ciphertext) throws SFrameException {
        try {
            synchronized (keys) {
                return keys.decrypt(metadata, ciphertext);
            }
        } catch (UnknownKeyIdException e) {
            rekeyIfEpochChanged();
            synchronized (keys) {
                return keys.decrypt(metadata, ciphertext);
            }
        }
    }

    private synchronized void playOut() {
        long now = clock.millis();
        for (Map.Entry<Long, Receiver> entry : receivers.entrySet()) {
            Receiver receiver = entry.getValue();
            Playout next;
            while ((next = receiver.jitter.poll(now)) != null) {
                short[] frame;
                try {
                    if (next instanceof Playout.Frame decoded) {
                        frame = receiver.decoder.decode(decoded.payload());
                    } else {
                        byte[] following = receiver.jitter.peek(next.sequence() + 1);
                        frame = following != null ? receiver.decoder.recover(following) : receiver.decoder.conceal();
                    }
                } catch (AudioCodecException e) {
                    log.debug("an audio frame did not decode: {}", e.getMessage());
                    frame = new short[OpusFormat.FRAME_SAMPLES];
                }
                if (keepRecording) {
                    receiver.played.add(frame);
                }
                if (playoutListener != null) {
                    playoutListener.played(entry.getKey(), frame);
                }
            }
        }
    }

    /** What each other participant said so far, by sender, in the order they were first heard (48 kHz mono). */
    public synchronized List<short[]> recordings() {
        List<short[]> out = new ArrayList<>();
        for (Receiver receiver : receivers.values()) {
            short[] samples = new short[receiver.played.size() * OpusFormat.FRAME_SAMPLES];
            int at = 0;
            for (short[] frame : receiver.played) {
                System.arraycopy(frame, 0, samples, at, Math.min(frame.length, OpusFormat.FRAME_SAMPLES));
                at += OpusFormat.FRAME_SAMPLES;
            }
            out.add(samples);
        }
        return out;
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
    public synchronized int senders() {
        return receivers.size();
    }

    /** How media goes now: over UDP or the WebSocket. */
    public String currentTransport() {
        return transport.path() == RelayTransport.Path.UDP ? "udp" : "tcp";
    }

    public CallStats stats() {
        String used;
        int switches;
        int rejoined;
        synchronized (joinLock) {
            Set<String> all = new LinkedHashSet<>(retiredTransports);
            all.addAll(List.of(transport.transportsUsed().split("\\+")));
            used = all.contains("udp") && all.contains("tcp") ? "udp+tcp" : all.iterator().next();
            switches = retiredSwitches + transport.switches();
            rejoined = rejoins;
        }
        return stats(used, switches, rejoined);
    }

    private synchronized CallStats stats(String used, int switches, int rejoined) {
        long received = 0;
        long lost = 0;
        long concealed = 0;
        long delayed = 0;
        double delaySum = 0;
        long p99 = -1;
        for (Receiver receiver : receivers.values()) {
            JitterStats s = receiver.jitter.stats();
            received += s.played();
            lost += s.lost();
            concealed += s.concealed();
            if (s.received() > 0 && !Double.isNaN(s.meanDelayMillis())) {
                delaySum += s.meanDelayMillis() * s.received();
                delayed += s.received();
            }
            p99 = Math.max(p99, s.p99DelayMillis());
        }
        long videoReceived = 0;
        long videoLost = 0;
        for (VideoReceiver receiver : videoReceivers.values()) {
            videoReceived += receiver.received;
            videoLost += receiver.lost();
        }
        return new CallStats(used, switches, framesSent, received, lost, concealed,
                delayed == 0 ? Double.NaN : delaySum / delayed, p99, videoFramesSent, videoReceived, videoLost, rejoined);
    }

    /** Frames that arrived but did not decrypt (wrong key or altered). */
    public synchronized long undecryptable() {
        return undecryptable;
    }

    /** Re-joins of the relay so far (token refreshes and reconnections). */
    public int rejoins() {
        synchronized (joinLock) {
            return rejoins;
        }
    }

    @Override
    public void close() {
        closed = true;
        client.session().removeReconnectListener(onReconnect);
        control.shutdownNow();
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdown();
        try {
            timers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.onMediaFrames(null);
        synchronized (joinLock) {
            transport.close();
        }
    }
}
