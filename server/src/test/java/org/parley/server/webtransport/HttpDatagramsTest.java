package org.parley.server.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpDatagramsTest {
    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }

    @Test
    void readsTheVarintExamplesOfRfc9000Appendix() {
        // RFC 9000 section A.1: one example per length.
        assertThat(QuicVarint.read(hex("c2197c5eff14e88c"))).isEqualTo(151_288_809_941_952_652L);
        assertThat(QuicVarint.read(hex("9d7f3e7d"))).isEqualTo(494_878_333L);
        assertThat(QuicVarint.read(hex("7bbd"))).isEqualTo(15_293L);
        assertThat(QuicVarint.read(hex("25"))).isEqualTo(37L);
        assertThat(QuicVarint.read(hex("4025"))).isEqualTo(37L);
    }

    @Test
    void writesTheShortestFormAndReadsItBack() {
        for (long value : new long[] {0, 63, 64, 16_383, 16_384, (1L << 30) - 1, 1L << 30, QuicVarint.MAX_VALUE}) {
            ByteBuf out = Unpooled.buffer();
            QuicVarint.write(out, value);
            assertThat(out.readableBytes()).isEqualTo(QuicVarint.length(value));
            assertThat(QuicVarint.read(out)).isEqualTo(value);
            assertThat(out.isReadable()).isFalse();
        }
    }

    @Test
    void refusesValuesAVarintCannotCarry() {
        assertThatThrownBy(() -> QuicVarint.write(Unpooled.buffer(), -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QuicVarint.write(Unpooled.buffer(), QuicVarint.MAX_VALUE + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTruncatedVarintLeavesTheBufferAsItWas() {
        for (String truncated : new String[] {"", "40", "80ffff", "c0ffffffffffff"}) {
            ByteBuf in = hex(truncated);
            assertThat(QuicVarint.read(in)).as(truncated).isEqualTo(-1);
            assertThat(in.readerIndex()).isZero();
        }
    }

    @Test
    void aDatagramNamesTheSessionStreamByItsQuarterId() {
        ByteBuf payload = hex("0301020304");
        ByteBuf datagram = HttpDatagrams.encode(ByteBufAllocator.DEFAULT, 4 * 100, payload);
        assertThat(HttpDatagrams.readStreamId(datagram)).isEqualTo(400);
        assertThat(datagram).isEqualTo(hex("0301020304"));
        assertThat(HttpDatagrams.readStreamId(hex("00ff"))).isZero();
        datagram.release();
    }

    @Test
    void emptyTruncatedAndOutOfRangeDatagramsNameNoStream() {
        assertThat(HttpDatagrams.readStreamId(hex(""))).isEqualTo(-1);
        assertThat(HttpDatagrams.readStreamId(hex("c0000000"))).isEqualTo(-1);
        // A quarter id of 2^60 or more would be a stream id beyond 2^62: none exists.
        assertThat(HttpDatagrams.readStreamId(hex("d000000000000000"))).isEqualTo(-1);
        assertThat(HttpDatagrams.readStreamId(hex("cfffffffffffffff"))).isEqualTo((QuicVarint.MAX_VALUE >>> 2) * 4);
    }

    @Test
    void onlyClientBidirectionalStreamsCarryDatagrams() {
        assertThatThrownBy(() -> HttpDatagrams.encode(ByteBufAllocator.DEFAULT, 2, Unpooled.EMPTY_BUFFER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpDatagrams.encode(ByteBufAllocator.DEFAULT, -4, Unpooled.EMPTY_BUFFER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anOversizedDatagramStillParsesAndTheRelayDecidesItsSize() {
        ByteBuf huge = Unpooled.buffer().writeByte(0).writeZero(70_000);
        assertThat(HttpDatagrams.readStreamId(huge)).isZero();
        assertThat(huge.readableBytes()).isEqualTo(70_000);
    }
}
