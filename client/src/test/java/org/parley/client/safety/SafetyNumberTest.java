package org.parley.client.safety;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SafetyNumberTest {
    private static Bytes key(int fill) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) fill);
        return Bytes.copyOf(key);
    }

    @Test
    void keysAreSortedAsUnsignedBytesAndTheNumberIsStable() {
        // Pinned before the keys became Bytes: 0x80… sorts after 0x01… (unsigned), in any input order.
        String expected = "079213747160128441094568102631087985878476265876096693605615";
        SafetyNumber.Side bob = new SafetyNumber.Side("bob", List.of(key(3)));
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(0x80), key(0x01))), bob)).isEqualTo(expected);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(0x01), key(0x80))), bob)).isEqualTo(expected);
    }

    @Test
    void sidesCompareByValue() {
        assertThat(new SafetyNumber.Side("alice", List.of(key(1)))).isEqualTo(new SafetyNumber.Side("alice", List.of(key(1))));
    }

    @Test
    void bothSidesGetTheSameSixtyDigits() {
        SafetyNumber.Side alice = new SafetyNumber.Side("alice", List.of(key(1), key(2)));
        SafetyNumber.Side bob = new SafetyNumber.Side("bob", List.of(key(3)));
        String fromAlice = SafetyNumber.compute(alice, bob);
        assertThat(fromAlice).hasSize(60).containsOnlyDigits();
        assertThat(SafetyNumber.compute(bob, alice)).isEqualTo(fromAlice);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(2), key(1))), bob)).isEqualTo(fromAlice);
    }

    @Test
    void anotherKeyOrNameChangesTheNumber() {
        SafetyNumber.Side bob = new SafetyNumber.Side("bob", List.of(key(3)));
        String base = SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(1))), bob);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(1), key(4))), bob)).isNotEqualTo(base);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", List.of(key(5))), bob)).isNotEqualTo(base);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("mallory", List.of(key(1))), bob)).isNotEqualTo(base);
    }

    @Test
    void typedNumbersMatchIgnoringSpacing() {
        String number = SafetyNumber.compute(new SafetyNumber.Side("a", List.of(key(1))), new SafetyNumber.Side("b", List.of(key(2))));
        assertThat(SafetyNumber.matches(number, SafetyNumber.format(number))).isTrue();
        assertThat(SafetyNumber.format(number).split("\n")).hasSize(3);
        String wrong = (number.charAt(0) == '1' ? "2" : "1") + number.substring(1);
        assertThat(SafetyNumber.matches(number, wrong)).isFalse();
        assertThat(SafetyNumber.matches(number, number.substring(1))).isFalse();
    }
}
