package org.parley.media.packet;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One whole media frame (an Opus packet or an encoded video frame) after SFrame encryption,
 * before fragmentation into {@link MediaPacket}s.
 */
public record MediaFrame(int flags, CallId callId, long participantId, int streamId, long sequence, long timestamp,
                         byte[] payload) {

    /** Most fragments a frame may have, which bounds its size at about 75 MB with 1200-byte packets. */
    public static final int MAX_FRAGMENTS = 0xffff;

    /**
     * The frame-level header fields as bytes: pass them as SFrame metadata when encrypting and
     * decrypting, so that they are authenticated with the frame.
     */
    public static byte[] metadata(int flags, CallId callId, long participantId, int streamId, long sequence,
                                  long timestamp) {
        ByteBuffer out = ByteBuffer.allocate(MediaPacket.FRAME_HEADER_BYTES);
        MediaPacket.putFrameHeader(out, flags, callId, participantId, streamId, sequence, timestamp);
        return out.array();
    }

    public byte[] metadata() {
        return metadata(flags, callId, participantId, streamId, sequence, timestamp);
    }

    /** Splits the frame into packets of at most {@code mtu} bytes each (header included). */
    public List<MediaPacket> fragment(int mtu) {
        int room = mtu - MediaPacket.HEADER_BYTES;
        if (room < 1 || mtu > MediaPacket.MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("MTU " + mtu + " must be " + (MediaPacket.HEADER_BYTES + 1) + ".."
                    + MediaPacket.MAX_PACKET_BYTES + " bytes");
        }
        int count = Math.max(1, (payload.length + room - 1) / room);
        if (count > MAX_FRAGMENTS) {
            throw new IllegalArgumentException("a frame of " + payload.length + " bytes needs " + count
                    + " fragments at MTU " + mtu + "; at most " + MAX_FRAGMENTS + " are possible");
        }
        List<MediaPacket> packets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] slice = Arrays.copyOfRange(payload, i * room, Math.min(payload.length, (i + 1) * room));
            packets.add(new MediaPacket(flags, callId, participantId, streamId, sequence, timestamp, i, count, slice));
        }
        return packets;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MediaFrame f && Arrays.equals(metadata(), f.metadata()) && Arrays.equals(payload, f.payload);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(metadata()) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "MediaFrame[call=" + callId + ", participant=" + participantId + ", stream=" + streamId + ", seq="
                + sequence + ", payload=" + payload.length + "B]";
    }
}
