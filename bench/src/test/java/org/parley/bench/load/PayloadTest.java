package org.parley.bench.load;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PayloadTest {

    private final Payload payload = new Payload(0x1234_5678_9abc_def0L, 7, -42_000_000_123L);

    @Test
    void binaryFormRoundTripsAtTheRequestedSize() throws Exception {
        byte[] bytes = payload.toBytes(256);
        assertThat(bytes).hasSize(256);
        assertThat(Payload.fromBytes(ByteBuffer.wrap(bytes))).isEqualTo(payload);
    }

    @Test
    void binaryFormIsReadFromAnOffsetView() throws Exception {
        byte[] framed = new byte[300];
        System.arraycopy(payload.toBytes(256), 0, framed, 44, 256);
        assertThat(Payload.fromBytes(ByteBuffer.wrap(framed, 44, 256).slice())).isEqualTo(payload);
    }

    @Test
    void textFormRoundTripsAndIsPlainAscii() throws Exception {
        String text = payload.toText(256);
        assertThat(text).hasSize(256).matches("[0-9a-f:x]+");
        assertThat(Payload.fromText(text)).isEqualTo(payload);
    }

    @Test
    void rejectsTruncatedOrForeignBinaryPayloads() {
        assertThatThrownBy(() -> Payload.fromBytes(ByteBuffer.wrap(new byte[10])))
                .isInstanceOf(Payload.MalformedPayloadException.class).hasMessageContaining("10 bytes");
        byte[] foreign = payload.toBytes(64);
        foreign[0] = 'X';
        assertThatThrownBy(() -> Payload.fromBytes(ByteBuffer.wrap(foreign)))
                .isInstanceOf(Payload.MalformedPayloadException.class).hasMessageContaining("marker");
    }

    @Test
    void rejectsMalformedTextPayloads() {
        String good = payload.toText(64);
        for (String bad : new String[] {"", "hello", good.substring(0, 30), good.replace(':', ';'),
                "zz" + good.substring(2)}) {
            assertThatThrownBy(() -> Payload.fromText(bad)).isInstanceOf(Payload.MalformedPayloadException.class);
        }
    }

    @Test
    void refusesSizesTooSmallForTheHeader() {
        assertThatThrownBy(() -> payload.toBytes(Payload.MIN_SIZE - 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minimum");
        assertThatThrownBy(() -> payload.toText(10)).isInstanceOf(IllegalArgumentException.class);
    }
}
