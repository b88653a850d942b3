package org.parley.client.safety;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;

import static org.assertj.core.api.Assertions.assertThat;

class SafetyNumberTest {
    private static Bytes key(int fill) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) fill);
        return Bytes.copyOf(key);
    }

    @Test
    void theNumberIsSignalsNumericFingerprintOfTheAccountKeys() {
        // Computed by an independent script of Signal's version-0 fingerprint (SHA-512, 5200 iterations);
        // bob's half is the one pinned before account keys, when a side was its devices' keys.
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", key(1)), new SafetyNumber.Side("bob", key(3))))
                .isEqualTo("087985878476265876096693605615833650374266538598819783808930");
    }

    @Test
    void sidesCompareByValue() {
        assertThat(new SafetyNumber.Side("alice", key(1))).isEqualTo(new SafetyNumber.Side("alice", key(1)));
    }

    @Test
    void bothSidesGetTheSameSixtyDigits() {
        SafetyNumber.Side alice = new SafetyNumber.Side("alice", key(1));
        SafetyNumber.Side bob = new SafetyNumber.Side("bob", key(3));
        String fromAlice = SafetyNumber.compute(alice, bob);
        assertThat(fromAlice).hasSize(60).containsOnlyDigits();
        assertThat(SafetyNumber.compute(bob, alice)).isEqualTo(fromAlice);
    }

    @Test
    void anotherKeyOrNameChangesTheNumber() {
        SafetyNumber.Side bob = new SafetyNumber.Side("bob", key(3));
        String base = SafetyNumber.compute(new SafetyNumber.Side("alice", key(1)), bob);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("alice", key(5)), bob)).isNotEqualTo(base);
        assertThat(SafetyNumber.compute(new SafetyNumber.Side("mallory", key(1)), bob)).isNotEqualTo(base);
    }

    @Test
    void typedNumbersMatchIgnoringSpacing() {
        String number = SafetyNumber.compute(new SafetyNumber.Side("a", key(1)), new SafetyNumber.Side("b", key(2)));
        assertThat(SafetyNumber.matches(number, SafetyNumber.format(number))).isTrue();
        assertThat(SafetyNumber.format(number).split("\n")).hasSize(3);
        String wrong = (number.charAt(0) == '1' ? "2" : "1") + number.substring(1);
        assertThat(SafetyNumber.matches(number, wrong)).isFalse();
        assertThat(SafetyNumber.matches(number, number.substring(1))).isFalse();
    }
}
