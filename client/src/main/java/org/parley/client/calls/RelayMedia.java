package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.media.packet.CallId;
import org.parley.media.packet.MediaPacket;

/**
 * Media packets as they travel through the relay: without their call id. A media packet
 * ({@link MediaPacket}) names its call in bytes 2..17, but the relay needs no call id (it maps a
 * sender to its call by its JOIN) and an observer of the datagrams must not learn it, so the
 * sender cuts those 16 bytes out and each receiver puts its own call's id back. The call id stays
 * in the SFrame metadata, so a packet moved into another call still fails to decrypt there.
 */
final class RelayMedia {
    /** Where a media packet's call id starts: after its version and flags bytes. */
    private static final int CALL_ID_AT = 2;

    private RelayMedia() {
    }

    /** {@code packet} without its call id, which must be {@code callId}. */
    static byte[] strip(byte[] packet, ByteString callId) {
        if (packet.length < MediaPacket.HEADER_BYTES || !callId.equals(ByteString.copyFrom(packet, CALL_ID_AT, CallId.BYTES))) {
            throw new IllegalArgumentException("not a media packet of this call (" + packet.length + " bytes)");
        }
        byte[] out = new byte[packet.length - CallId.BYTES];
        System.arraycopy(packet, 0, out, 0, CALL_ID_AT);
        System.arraycopy(packet, CALL_ID_AT + CallId.BYTES, out, CALL_ID_AT, packet.length - CALL_ID_AT - CallId.BYTES);
        return out;
    }

    /**
     * The media packet of {@code length} relayed bytes at {@code offset} of {@code wire}, with
     * {@code callId} put back; null if it is too short to be one (a receiver decodes the rest).
     */
    static byte[] restore(byte[] wire, int offset, int length, ByteString callId) {
        if (length < MediaPacket.HEADER_BYTES - CallId.BYTES) {
            return null;
        }
        byte[] out = new byte[length + CallId.BYTES];
        System.arraycopy(wire, offset, out, 0, CALL_ID_AT);
        callId.copyTo(out, CALL_ID_AT);
        System.arraycopy(wire, offset + CALL_ID_AT, out, CALL_ID_AT + CallId.BYTES, length - CALL_ID_AT);
        return out;
    }
}
