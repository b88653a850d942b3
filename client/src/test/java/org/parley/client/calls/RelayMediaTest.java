package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.media.packet.CallId;
import org.parley.media.packet.MediaPacket;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RelayMediaTest {
    private static final CallId CALL = new CallId(0x0102030405060708L, 0x090a0b0c0d0e0f10L);
    private static final ByteString CALL_BYTES = RelayLink.callIdBytes(CALL);

    private static byte[] packet(CallId call, int payloadBytes) {
        return new MediaPacket(MediaPacket.FLAG_VIDEO, call, 0xcafef00dL, 1, 99, 12_345, 2, 3, new byte[payloadBytes]).encode();
    }

    @Test
    void aStrippedPacketHasNoCallIdAndComesBackWhole() throws Exception {
        byte[] packet = packet(CALL, 100);
        byte[] relayed = RelayMedia.strip(packet, CALL_BYTES);
        assertThat(relayed).hasSize(packet.length - CallId.BYTES);
        assertThat(ByteString.copyFrom(relayed)).as("the packet less bytes 2..17")
                .isEqualTo(ByteString.copyFrom(packet, 0, 2).concat(ByteString.copyFrom(packet, 18, packet.length - 18)));
        byte[] wire = new byte[relayed.length + 3];
        System.arraycopy(relayed, 0, wire, 1, relayed.length);
        byte[] restored = RelayMedia.restore(wire, 1, relayed.length, CALL_BYTES);
        assertThat(restored).isEqualTo(packet);
        assertThat(MediaPacket.decode(restored, 0, restored.length).callId()).isEqualTo(CALL);
    }

    @Test
    void onlyWholePacketsOfThisCallAreStripped() {
        assertThatThrownBy(() -> RelayMedia.strip(packet(new CallId(1, 2), 10), CALL_BYTES))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayMedia.strip(Arrays.copyOf(packet(CALL, 0), MediaPacket.HEADER_BYTES - 1), CALL_BYTES))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayMedia.strip(new byte[0], CALL_BYTES)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncatedOrHostileRelayedBytesAreDroppedOrLeftForTheDecoderToRefuse() {
        assertThat(RelayMedia.restore(new byte[0], 0, 0, CALL_BYTES)).isNull();
        assertThat(RelayMedia.restore(new byte[24], 0, 24, CALL_BYTES)).as("shorter than a header without the call id").isNull();
        byte[] junk = new byte[25];
        Arrays.fill(junk, (byte) 0xff);
        byte[] restored = RelayMedia.restore(junk, 0, junk.length, CALL_BYTES);
        assertThat(restored).hasSize(41);
        assertThatThrownBy(() -> MediaPacket.decode(restored, 0, restored.length))
                .isInstanceOf(org.parley.media.packet.MediaPacketException.class);
    }
}
