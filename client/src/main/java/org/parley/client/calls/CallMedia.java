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
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;
import org.parley.media.packet.MediaPacketException;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;
import org.parley.media.sframe.SFrameException;
import org.parley.media.sframe.UnknownKeyIdException;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The media of one call on this device: Opus audio in 20 ms frames at 48 kHz, each encrypted with
 * SFrame (RFC 9605) under this member's key of the conversation group's current epoch (Section
 * 5.2, via {@link MlsSFrameKeys}; re-keyed when the epoch changes), carried in a media packet
 * through the server's relay by {@link RelayTransport}. Received frames go through a jitter buffer
 * per sender, are decoded, and missing ones concealed by Opus; the decoded audio of every sender
 * is mixed into the recording.
 *
 * <p>Sending is paced by a 20 ms timer from a source of samples; playout runs on a 5 ms timer.
 */
public final class CallMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallMedia.class);
    static final SFrameCipherSuite SUITE = SFrameCipherSuite.AES_128_GCM_SHA256_128;
    /** The base key length of {@link #SUITE} (its Nk). */
    private static final int BASE_KEY_BYTES = 16;
    /** Low-order epoch bits in a KID (RFC 9605 Section 5.2's E): keys of 16 epochs are kept. */
    private static final int EPOCH_BITS = 4;
    private static final int AUDIO_STREAM = 0;
    private static final int PLAYOUT_TICK_MILLIS = 5;
    /** How often the group's epoch is checked for a re-key while sending. */
    private static final int EPOCH_CHECK_FRAMES = 25;
    /** Most senders heard at once; packets of further participant ids are dropped. */
    private static final int MAX_SENDERS = 64;

    private final ParleyClient client;
    private final byte[] groupId;
    private final CallId callId;
    private final long participantId;
    private final MlsSFrameKeys keys = new MlsSFrameKeys(SUITE, EPOCH_BITS);
    private final OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "parley-call-media");
        thread.setDaemon(true);
        return thread;
    });
    private final RelayTransport transport;
    /** The epoch whose keys were entered last; guarded by {@link #keys}. */
    private long keyedEpoch = -1;
    private long sequence;
    private long framesSent;
    private long undecryptable;
    private short[] source = new short[0];
    private int sourcePosition;
    private volatile boolean closed;

    /** One remote sender's stream: its jitter buffer, decoder and what it played. */
    private static final class Receiver {
        final JitterBuffer jitter = new JitterBuffer(JitterBuffer.Config.audio());
        final OpusFrameDecoder decoder = new OpusFrameDecoder();
        final List<short[]> played = new ArrayList<>();
    }

    private CallMedia(ParleyClient client, byte[] groupId, CallId callId, CallToken token) {
        this.client = client;
        this.groupId = groupId.clone();
        this.callId = callId;
        this.participantId = Integer.toUnsignedLong(token.getParticipantId());
        rekeyIfEpochChanged();
        this.transport = RelayTransport.join(client.session(), client.session().address().host(), callIdBytes(callId), token,
                this::received);
        client.onMediaFrames(transport::receivedOverWebSocket);
        timers.scheduleAtFixedRate(this::sendNext, 0, OpusFormat.FRAME_MILLIS, TimeUnit.MILLISECONDS);
        timers.scheduleAtFixedRate(this::playOut, PLAYOUT_TICK_MILLIS, PLAYOUT_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Gets a call token over the signed-in WebSocket and joins the relay for the conversation {@code groupId}. */
    public static CallMedia join(ParleyClient client, byte[] groupId, CallId callId) {
        CallToken token = client.session().call(ClientFrame.newBuilder().setRequestCallToken(
                RequestCallToken.newBuilder().setCallId(callIdBytes(callId)))).getCallToken();
        return new CallMedia(client, groupId, callId, token);
    }

    static ByteString callIdBytes(CallId callId) {
        return ByteString.copyFrom(java.nio.ByteBuffer.allocate(CallId.BYTES).putLong(callId.high()).putLong(callId.low()).array());
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

    private void sendNext() {
        try {
            short[] frame;
            synchronized (this) {
                if (closed || sourcePosition >= source.length) {
                    return;
                }
                frame = Arrays.copyOfRange(source, sourcePosition, sourcePosition + OpusFormat.FRAME_SAMPLES);
                sourcePosition += OpusFormat.FRAME_SAMPLES;
            }
            if (sequence % EPOCH_CHECK_FRAMES == 0) {
                rekeyIfEpochChanged();
            }
            byte[] opus = encoder.encode(frame);
            long timestamp = System.currentTimeMillis();
            byte[] metadata = MediaFrame.metadata(0, callId, participantId, AUDIO_STREAM, sequence, timestamp);
            byte[] ciphertext;
            synchronized (keys) {
                ciphertext = keys.encrypt(metadata, opus);
            }
            transport.send(new MediaPacket(0, callId, participantId, AUDIO_STREAM, sequence, timestamp, 0, 1, ciphertext).encode());
            synchronized (this) {
                sequence++;
                framesSent++;
            }
        } catch (AudioCodecException | RuntimeException e) {
            // A scheduled task that throws is never run again: log and go on with the next frame.
            log.warn("sending an audio frame failed: {}", e.getMessage());
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
        if (!packet.callId().equals(callId) || packet.streamId() != AUDIO_STREAM || packet.fragmentCount() != 1
                || packet.participantId() == participantId) {
            return;
        }
        byte[] metadata = MediaFrame.metadata(packet.flags(), packet.callId(), packet.participantId(), packet.streamId(),
                packet.sequence(), packet.timestamp());
        byte[] opus;
        try {
            opus = decrypt(metadata, packet.payload());
        } catch (SFrameException e) {
            synchronized (this) {
                undecryptable++;
            }
            log.debug("dropped a media frame that does not decrypt: {}", e.getMessage());
            return;
        }
        long now = System.currentTimeMillis();
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
        long now = System.currentTimeMillis();
        for (Receiver receiver : receivers.values()) {
            Playout next;
            while ((next = receiver.jitter.poll(now)) != null) {
                try {
                    if (next instanceof Playout.Frame frame) {
                        receiver.played.add(receiver.decoder.decode(frame.payload()));
                    } else {
                        byte[] following = receiver.jitter.peek(next.sequence() + 1);
                        receiver.played.add(following != null ? receiver.decoder.recover(following) : receiver.decoder.conceal());
                    }
                } catch (AudioCodecException e) {
                    log.debug("an audio frame did not decode: {}", e.getMessage());
                    receiver.played.add(new short[OpusFormat.FRAME_SAMPLES]);
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

    public synchronized CallStats stats() {
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
        return new CallStats(transport.transportsUsed(), transport.switches(), framesSent, received, lost, concealed,
                delayed == 0 ? Double.NaN : delaySum / delayed, p99);
    }

    /** Frames that arrived but did not decrypt (wrong key or altered). */
    public synchronized long undecryptable() {
        return undecryptable;
    }

    @Override
    public void close() {
        closed = true;
        timers.shutdown();
        try {
            timers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.onMediaFrames(null);
        transport.close();
    }
}
