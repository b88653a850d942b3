package org.parley.media.packet;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One media packet on the wire: a fragment of one SFrame-encrypted media frame. All fields are
 * big-endian:
 *
 * <pre>
 *  0  version          1 byte   (1)
 *  1  flags            1 byte   (bit 0: key frame, bit 1: video; others must be 0)
 *  2  call id         16 bytes
 * 18  participant id   4 bytes  (unsigned)
 * 22  stream id        1 byte   (0 = the participant's audio, 1.. = video or screen)
 * 23  sequence         4 bytes  (unsigned; per stream, one per frame)
 * 27  timestamp        8 bytes  (sender's capture time, ms since the epoch)
 * 35  fragment index   2 bytes  (unsigned, below fragment count)
 * 37  fragment count   2 bytes  (unsigned, 1..65535)
 * 39  payload length   2 bytes  (unsigned; exactly the bytes that follow)
 * 41  payload          this fragment's slice of the SFrame ciphertext
 * </pre>
 *
 * The frame-level fields (bytes 0..34) are the SFrame metadata of the frame (RFC 9605 Section
 * 4.4.3 authenticates it with the ciphertext), so a relay that rewrote them would be detected.
 */
public record MediaPacket(int flags, CallId callId, long participantId, int streamId, long sequence, long timestamp,
                          int fragmentIndex, int fragmentCount, byte[] payload) {
    public static final int VERSION = 1;
    public static final int FLAG_KEY_FRAME = 1;
    public static final int FLAG_VIDEO = 2;
    static final int KNOWN_FLAGS = FLAG_KEY_FRAME | FLAG_VIDEO;
    public static final int HEADER_BYTES = 41;
    /** The frame-level part of the header, used as SFrame metadata. */
    public static final int FRAME_HEADER_BYTES = 35;
    /** Largest packet accepted: a UDP payload that fits an IPv4 datagram. */
    public static final int MAX_PACKET_BYTES = 65_507;

    public MediaPacket {
        if ((flags & ~KNOWN_FLAGS) != 0 || participantId < 0 || participantId > 0xffffffffL || streamId < 0
                || streamId > 0xff || sequence < 0 || sequence > 0xffffffffL || fragmentCount < 1
                || fragmentCount > 0xffff || fragmentIndex < 0 || fragmentIndex >= fragmentCount
                || payload.length > MAX_PACKET_BYTES - HEADER_BYTES) {
            throw new IllegalArgumentException("media packet field out of range: flags " + flags + ", participant "
                    + participantId + ", stream " + streamId + ", sequence " + sequence + ", fragment " + fragmentIndex
                    + "/" + fragmentCount + ", payload " + payload.length + " bytes");
        }
    }

    public boolean isKeyFrame() {
        return (flags & FLAG_KEY_FRAME) != 0;
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        putFrameHeader(out, flags, callId, participantId, streamId, sequence, timestamp);
        out.putShort((short) fragmentIndex).putShort((short) fragmentCount).putShort((short) payload.length).put(payload);
        return out.array();
    }

    static void putFrameHeader(ByteBuffer out, int flags, CallId callId, long participantId, int streamId,
                               long sequence, long timestamp) {
        out.put((byte) VERSION).put((byte) flags).putLong(callId.high()).putLong(callId.low())
                .putInt((int) participantId).put((byte) streamId).putInt((int) sequence).putLong(timestamp);
    }

    /** Decodes exactly one packet from {@code length} bytes at {@code offset}. */
    public static MediaPacket decode(byte[] data, int offset, int length) throws MediaPacketException {
        if (length > MAX_PACKET_BYTES) {
            throw new MediaPacketException("media packet of " + length + " bytes exceeds " + MAX_PACKET_BYTES);
        }
        if (length < HEADER_BYTES) {
            throw new MediaPacketException("media packet truncated: " + length + " bytes, header needs " + HEADER_BYTES);
        }
        ByteBuffer in = ByteBuffer.wrap(data, offset, length);
        int version = in.get() & 0xff;
        if (version != VERSION) {
            throw new MediaPacketException("media packet version " + version + " at byte 0; only " + VERSION + " is known");
        }
        int flags = in.get() & 0xff;
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new MediaPacketException("media packet flags 0x" + Integer.toHexString(flags) + " at byte 1 set unknown bits");
        }
        CallId callId = new CallId(in.getLong(), in.getLong());
        long participantId = in.getInt() & 0xffffffffL;
        int streamId = in.get() & 0xff;
        long sequence = in.getInt() & 0xffffffffL;
        long timestamp = in.getLong();
        int fragmentIndex = in.getShort() & 0xffff;
        int fragmentCount = in.getShort() & 0xffff;
        if (fragmentCount == 0 || fragmentIndex >= fragmentCount) {
            throw new MediaPacketException("media packet fragment " + fragmentIndex + " of " + fragmentCount
                    + " at byte 35: the index must be below a non-zero count");
        }
        int payloadLength = in.getShort() & 0xffff;
        if (payloadLength != in.remaining()) {
            throw new MediaPacketException("media packet payload length " + payloadLength + " at byte 39, but "
                    + in.remaining() + " bytes follow the header");
        }
        byte[] payload = Arrays.copyOfRange(data, offset + HEADER_BYTES, offset + length);
        return new MediaPacket(flags, callId, participantId, streamId, sequence, timestamp, fragmentIndex,
                fragmentCount, payload);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MediaPacket p && flags == p.flags && callId.equals(p.callId)
                && participantId == p.participantId && streamId == p.streamId && sequence == p.sequence
                && timestamp == p.timestamp && fragmentIndex == p.fragmentIndex && fragmentCount == p.fragmentCount
                && Arrays.equals(payload, p.payload);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(flags, callId, participantId, streamId, sequence, timestamp, fragmentIndex,
                fragmentCount) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "MediaPacket[call=" + callId + ", participant=" + participantId + ", stream=" + streamId + ", seq="
                + sequence + ", fragment=" + fragmentIndex + "/" + fragmentCount + ", payload=" + payload.length + "B]";
    }
}
