package org.parley.protocol;

import org.bouncycastle.crypto.hpke.AEAD;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailboxSealTest {
    private static final byte[] PAYLOAD = "one group message".getBytes(StandardCharsets.UTF_8);

    @Test
    void onlyTheDeviceOpensItsCopyAndNoTwoCopiesShareBytes() {
        byte[][] device = MailboxSeal.generateKeyPair();
        byte[][] other = MailboxSeal.generateKeyPair();
        byte[] first = MailboxSeal.seal(device[1], PAYLOAD);
        byte[] second = MailboxSeal.seal(device[1], PAYLOAD);
        byte[] forOther = MailboxSeal.seal(other[1], PAYLOAD);
        assertThat(first).hasSize(PAYLOAD.length + MailboxSeal.OVERHEAD);
        assertThat(first).isNotEqualTo(second);
        assertThat(MailboxSeal.open(device[0], device[1], first)).isEqualTo(PAYLOAD);
        assertThat(MailboxSeal.open(device[0], device[1], second)).isEqualTo(PAYLOAD);
        assertThat(MailboxSeal.open(other[0], other[1], forOther)).isEqualTo(PAYLOAD);
        assertThatThrownBy(() -> MailboxSeal.open(other[0], other[1], first)).isInstanceOf(IllegalArgumentException.class);
        // No 8-byte run of one copy appears in another: a dump cannot match copies of one message.
        assertNoSharedRun(first, 0, second);
        assertNoSharedRun(first, 0, forOther);
    }

    @Test
    void copiesOfOneWindowShareOnlyTheEncapsulationAndOpenInAnyOrder() {
        byte[][] device = MailboxSeal.generateKeyPair();
        MailboxSeal.Window window = new MailboxSeal.Window(device[1], 50);
        List<byte[]> copies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            copies.add(window.seal(PAYLOAD));
        }
        assertThat(window.isFull()).isTrue();
        assertThatThrownBy(() -> window.seal(PAYLOAD)).isInstanceOf(IllegalStateException.class).hasMessageContaining("full");
        byte[] enc = Arrays.copyOf(copies.get(0), MailboxSeal.KEY_BYTES);
        for (byte[] copy : copies) {
            assertThat(Arrays.copyOf(copy, MailboxSeal.KEY_BYTES)).isEqualTo(enc);
        }
        // After the encapsulation and the copy's number, no two copies of the same payload share an 8-byte run.
        int body = MailboxSeal.KEY_BYTES + MailboxSeal.SEQUENCE_BYTES;
        for (int i = 1; i < copies.size(); i++) {
            assertNoSharedRun(copies.get(0), body, Arrays.copyOfRange(copies.get(i), body, copies.get(i).length));
        }
        List<byte[]> shuffled = new ArrayList<>(copies);
        Collections.shuffle(shuffled);
        MailboxSeal.Opener opener = new MailboxSeal.Opener(device[0], device[1], 1);
        MailboxSeal.Window next = new MailboxSeal.Window(device[1], 2);
        for (byte[] copy : shuffled) {
            assertThat(opener.open(copy)).isEqualTo(PAYLOAD);
            // Copies of two windows in turn, with room for one context: the opener sets up again and still opens.
            assertThat(opener.open(MailboxSeal.seal(device[1], PAYLOAD))).isEqualTo(PAYLOAD);
        }
        assertThat(opener.open(next.seal(PAYLOAD))).isEqualTo(PAYLOAD);
    }

    @Test
    void aCopyMovedToAnotherNumberOrWindowDoesNotOpen() {
        byte[][] device = MailboxSeal.generateKeyPair();
        MailboxSeal.Window window = new MailboxSeal.Window(device[1], 3);
        byte[] zero = window.seal(PAYLOAD);
        byte[] one = window.seal(PAYLOAD);
        MailboxSeal.Opener opener = new MailboxSeal.Opener(device[0], device[1], 8);
        assertThat(opener.open(one)).isEqualTo(PAYLOAD);
        byte[] renumbered = one.clone();
        renumbered[MailboxSeal.KEY_BYTES + MailboxSeal.SEQUENCE_BYTES - 1] = 0;
        assertThatThrownBy(() -> opener.open(renumbered)).hasMessageContaining("does not open");
        byte[] otherWindow = MailboxSeal.seal(device[1], PAYLOAD);
        System.arraycopy(otherWindow, 0, zero, 0, MailboxSeal.KEY_BYTES);
        assertThatThrownBy(() -> opener.open(zero)).hasMessageContaining("does not open");
        assertThat(opener.open(window.seal(PAYLOAD))).isEqualTo(PAYLOAD);
    }

    @Test
    void damagedTruncatedAndForeignInputIsRefused() {
        byte[][] device = MailboxSeal.generateKeyPair();
        byte[] sealed = MailboxSeal.seal(device[1], PAYLOAD);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], sealed)).hasMessageContaining("does not open");
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], new byte[MailboxSeal.KEY_BYTES + 15]))
                .hasMessageContaining("at least 48 bytes");
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], Arrays.copyOf(MailboxSeal.seal(device[1], PAYLOAD), MailboxSeal.OVERHEAD - 1)))
                .hasMessageContaining("does not open");
        // An all-zero encapsulation is a low-order point: refused as a copy that does not open, not a crash.
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], new byte[MailboxSeal.OVERHEAD + 10]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not open");
        assertThatThrownBy(() -> MailboxSeal.seal(new byte[32], PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MailboxSeal.seal(new byte[31], PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MailboxSeal.Window(device[1], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(MailboxSeal.isValidPublicKey(device[1])).isTrue();
        assertThat(new MailboxSeal.Window(device[1], 1).isFor(device[1])).isTrue();
        assertThat(new MailboxSeal.Window(device[1], 1).toString()).doesNotContainIgnoringCase("0x").contains("hidden");
    }

    @Test
    void mailStoredBeforeWindowsStillOpens() throws Exception {
        byte[][] device = MailboxSeal.generateKeyPair();
        HPKE hpke = new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
        MailboxSeal.Opener opener = new MailboxSeal.Opener(device[0], device[1], 4);
        for (byte[] payload : new byte[][] {PAYLOAD, new byte[0], new byte[3]}) {
            // The earlier form: enc || ciphertext of HPKE's single-shot seal, info "parley-v1-mailbox", empty aad.
            byte[][] single = hpke.seal(hpke.deserializePublicKey(device[1]), "parley-v1-mailbox".getBytes(StandardCharsets.US_ASCII),
                    new byte[0], payload, null, null, null);
            byte[] stored = new byte[single[1].length + single[0].length];
            System.arraycopy(single[1], 0, stored, 0, single[1].length);
            System.arraycopy(single[0], 0, stored, single[1].length, single[0].length);
            assertThat(opener.open(stored)).isEqualTo(payload);
            stored[stored.length - 1] ^= 1;
            assertThatThrownBy(() -> opener.open(stored)).hasMessageContaining("does not open");
        }
    }

    /**
     * The windowed form is what the class says, checked with BouncyCastle's own HPKE and AEAD (not
     * the JDK's GCM that sealing uses): enc || seq || AES-128-GCM under the key and nonce the
     * context exports for "parley-v1-mailbox copy" || seq (RFC 9180 Section 5.3), empty aad.
     */
    @Test
    void aWindowedCopyOpensWithAnIndependentHpkeExportAndAead() throws Exception {
        byte[][] device = MailboxSeal.generateKeyPair();
        HPKE hpke = new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
        MailboxSeal.Window window = new MailboxSeal.Window(device[1], 3);
        for (byte[] payload : new byte[][] {PAYLOAD, new byte[0], new byte[1000]}) {
            byte[] copy = window.seal(payload);
            byte[] enc = Arrays.copyOf(copy, MailboxSeal.KEY_BYTES);
            int seq = ByteBuffer.wrap(copy, MailboxSeal.KEY_BYTES, MailboxSeal.SEQUENCE_BYTES).getInt();
            HPKEContext context = hpke.setupBaseR(enc, hpke.deserializePrivateKey(device[0], device[1]),
                    "parley-v1-mailbox".getBytes(StandardCharsets.US_ASCII));
            byte[] label = "parley-v1-mailbox copy".getBytes(StandardCharsets.US_ASCII);
            byte[] exporterContext = Arrays.copyOf(label, label.length + 4);
            ByteBuffer.wrap(exporterContext, label.length, 4).putInt(seq);
            byte[] keyAndNonce = context.export(exporterContext, 28);
            AEAD aead = new AEAD(HPKE.aead_AES_GCM128, Arrays.copyOf(keyAndNonce, 16), Arrays.copyOfRange(keyAndNonce, 16, 28));
            byte[] opened = aead.open(new byte[0], Arrays.copyOfRange(copy, MailboxSeal.KEY_BYTES + MailboxSeal.SEQUENCE_BYTES, copy.length));
            assertThat(opened).isEqualTo(payload);
            assertThat(copy).hasSize(payload.length + MailboxSeal.OVERHEAD);
        }
    }

    private static void assertNoSharedRun(byte[] copy, int from, byte[] other) {
        for (int i = from; i + 8 <= copy.length; i++) {
            byte[] run = Arrays.copyOfRange(copy, i, i + 8);
            assertThat(indexOf(other, run)).as("8 bytes at %d found in another copy", i).isNegative();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, StandardCharsets.ISO_8859_1).indexOf(new String(needle, StandardCharsets.ISO_8859_1));
    }
}
