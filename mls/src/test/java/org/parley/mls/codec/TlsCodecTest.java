package org.parley.mls.codec;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void varintExamplesFromRfc9420Section2_1_2() {
        assertThat(new TlsReader(HEX.parseHex("9d7f3e7d")).readVarint()).isEqualTo(494878333);
        assertThat(new TlsReader(HEX.parseHex("7bbd")).readVarint()).isEqualTo(15293);
        assertThat(new TlsReader(HEX.parseHex("25")).readVarint()).isEqualTo(37);
    }

    @Test
    void varintRoundTripsAtEveryBoundary() {
        for (int v : new int[] {0, 63, 64, 16383, 16384, TlsWriter.MAX_VARINT}) {
            byte[] enc = new TlsWriter().writeVarint(v).toByteArray();
            assertThat(TlsReader.decodeExactly(enc, TlsReader::readVarint, "varint")).isEqualTo(v);
        }
    }

    @Test
    void rejectsNonMinimalAndReservedVarints() {
        assertThatThrownBy(() -> new TlsReader(HEX.parseHex("4025")).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("not minimally encoded");
        assertThatThrownBy(() -> new TlsReader(HEX.parseHex("c0000000")).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("prefix");
    }

    @Test
    void hostileLengthDoesNotAllocateAndNamesTheOffset() {
        // Claims 2^30-1 bytes but carries two.
        byte[] hostile = HEX.parseHex("0001bfffffff0102");
        TlsReader r = new TlsReader(hostile);
        r.readUint16();
        assertThatThrownBy(r::readOpaque)
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("exceeds the 2 bytes left")
                .hasMessageContaining("at byte 2");
    }

    @Test
    void truncatedIntegersAreRejected() {
        assertThatThrownBy(() -> new TlsReader(new byte[3]).readUint32())
                .isInstanceOf(DecodeException.class).hasMessageContaining("truncated uint32");
        assertThatThrownBy(() -> new TlsReader(HEX.parseHex("80")).readVarint())
                .isInstanceOf(DecodeException.class).hasMessageContaining("truncated");
    }

    @Test
    void optionalPresenceOctetMustBeZeroOrOne() {
        assertThat(new TlsReader(new byte[] {0}).readOptional(TlsReader::readUint8)).isNull();
        assertThat(new TlsReader(new byte[] {1, 7}).readOptional(TlsReader::readUint8)).isEqualTo(7);
        assertThatThrownBy(() -> new TlsReader(new byte[] {2, 7}).readOptional(TlsReader::readUint8))
                .isInstanceOf(DecodeException.class).hasMessageContaining("presence octet");
    }

    @Test
    void vectorsRoundTripAndTrailingBytesAreRejected() {
        byte[] enc = new TlsWriter().writeVector(List.of(1, 2, 300), TlsWriter::writeUint16).toByteArray();
        assertThat(enc).containsExactly(6, 0, 1, 0, 2, 1, 44);
        List<Integer> decoded = TlsReader.decodeExactly(enc, r -> r.readVector(TlsReader::readUint16), "list");
        assertThat(decoded).containsExactly(1, 2, 300);
        byte[] trailing = HEX.parseHex("0102ff");
        assertThatThrownBy(() -> TlsReader.decodeExactly(trailing, TlsReader::readOpaque, "opaque"))
                .isInstanceOf(DecodeException.class).hasMessageContaining("1 unexpected bytes after opaque");
    }

    @Test
    void elementOverrunningItsVectorIsRejected() {
        // Vector body of 3 bytes holding uint16s: the second element runs past the body.
        byte[] enc = HEX.parseHex("03000100");
        assertThatThrownBy(() -> new TlsReader(enc).readVector(TlsReader::readUint16))
                .isInstanceOf(DecodeException.class).hasMessageContaining("truncated uint16");
    }
}
