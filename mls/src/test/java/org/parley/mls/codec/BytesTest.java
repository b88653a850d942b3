package org.parley.mls.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BytesTest {

    @Test
    void equalContentsAreEqualValuesWithEqualHashCodes() {
        Bytes a = Bytes.copyOf(new byte[] {1, 2, 3});
        Bytes b = Bytes.fromHex("010203");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Bytes.fromHex("0102")).isNotEqualTo(Bytes.fromHex("010204"));
        assertThat(a).isNotEqualTo(new byte[] {1, 2, 3});
        assertThat(Set.of(a)).contains(b);
        assertThat(new HashSet<>(List.of(a, b, Bytes.EMPTY))).hasSize(2);
    }

    @Test
    void orderIsUnsignedLexicographicWithPrefixesFirst() {
        assertThat(Bytes.fromHex("01").compareTo(Bytes.fromHex("ff"))).isNegative();
        assertThat(Bytes.fromHex("80").compareTo(Bytes.fromHex("7f"))).isPositive();
        assertThat(Bytes.fromHex("01").compareTo(Bytes.fromHex("0100"))).isNegative();
        assertThat(Bytes.EMPTY.compareTo(Bytes.fromHex("00"))).isNegative();
        assertThat(Bytes.fromHex("0102").compareTo(Bytes.copyOf(new byte[] {1, 2}))).isZero();
    }

    @Test
    void emptyValuesAreEqualWhateverTheirOrigin() {
        assertThat(Bytes.copyOf(new byte[0])).isEqualTo(Bytes.EMPTY).isSameAs(Bytes.EMPTY);
        assertThat(Bytes.fromHex("")).isEqualTo(Bytes.EMPTY);
        assertThat(Bytes.EMPTY.isEmpty()).isTrue();
    }

    @Test
    void theValueDoesNotChangeWhenTheSourceOrACopyOutChanges() {
        byte[] source = {1, 2, 3};
        Bytes value = Bytes.copyOf(source);
        int hash = value.hashCode();
        source[0] = 9;
        byte[] out = value.toByteArray();
        out[1] = 9;
        byte[] into = new byte[4];
        value.copyTo(into, 1);
        into[2] = 9;
        assertThat(value.toByteArray()).containsExactly(1, 2, 3);
        assertThat(value.hashCode()).isEqualTo(hash);
    }

    @Test
    void theBufferViewIsReadOnly() {
        Bytes value = Bytes.fromHex("0a0b");
        ByteBuffer view = value.asReadOnlyBuffer();
        assertThat(view.remaining()).isEqualTo(2);
        assertThatThrownBy(() -> view.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        assertThat(view.isReadOnly()).isTrue();
        assertThat(value.byteAt(0)).isEqualTo((byte) 0x0a);
    }

    @Test
    void hostileInputIsRejected() {
        assertThatThrownBy(() -> Bytes.copyOf(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Bytes.fromHex("0g")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bytes.fromHex("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bytes.copyOf(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Bytes.copyOf(new byte[4], -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Bytes.EMPTY.byteAt(0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(Bytes.copyOf(new byte[] {5, 6, 7, 8}, 1, 2)).isEqualTo(Bytes.fromHex("0607"));
    }

    @Test
    void constantTimeEqualityMatchesEquality() {
        Bytes tag = Bytes.fromHex("00112233");
        assertThat(tag.constantTimeEquals(Bytes.fromHex("00112233"))).isTrue();
        assertThat(tag.constantTimeEquals(new byte[] {0x00, 0x11, 0x22, 0x33})).isTrue();
        assertThat(tag.constantTimeEquals(Bytes.fromHex("00112234"))).isFalse();
        assertThat(tag.constantTimeEquals(Bytes.fromHex("001122"))).isFalse();
        assertThat(tag.constantTimeEquals((Bytes) null)).isFalse();
        assertThat(tag.constantTimeEquals((byte[]) null)).isFalse();
    }

    @Test
    void toStringIsHexAbbreviatedForLongValues() {
        assertThat(Bytes.fromHex("00ff10").toString()).isEqualTo("00ff10");
        String longHex = "ab".repeat(100);
        assertThat(Bytes.fromHex(longHex).toString()).isEqualTo("ab".repeat(32) + "…(100 bytes)");
        assertThat(Bytes.fromHex(longHex).toHex()).isEqualTo(longHex);
    }

    @Test
    void theCodecReadsAndWritesOpaqueValues() {
        Bytes value = Bytes.fromHex("deadbeef");
        byte[] encoded = new TlsWriter().writeOpaque(value).toByteArray();
        assertThat(encoded).isEqualTo(new TlsWriter().writeOpaque(value.toByteArray()).toByteArray());
        TlsReader reader = new TlsReader(encoded);
        assertThat(reader.readOpaqueBytes()).isEqualTo(value);
        reader.requireEnd("test");
        assertThat(new TlsReader(new byte[] {0}).readOpaqueBytes()).isSameAs(Bytes.EMPTY);
        assertThatThrownBy(() -> new TlsReader(new byte[] {5, 1}).readOpaqueBytes()).isInstanceOf(DecodeException.class);
    }
}
