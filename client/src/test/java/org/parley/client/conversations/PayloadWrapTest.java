package org.parley.client.conversations;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;
import org.parley.client.keys.KeyPackages;
import org.parley.mls.codec.Bytes;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.IncomingMessage;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.protocol.Padding;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wrapping every MLS message gets before it leaves: round trips, an independent derivation of
 * the key (BouncyCastle's HKDF, RFC 5869), what the server can no longer read (group id, epoch,
 * exact size), and every hostile input a server or member could deliver instead.
 */
class PayloadWrapTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static PayloadWrap.Unwrapped unwrap(byte[] payload, byte[]... groupIds) throws PayloadWrap.UnwrapException {
        return PayloadWrap.unwrap(payload, Arrays.stream(groupIds).map(PayloadWrap.GroupKey::of).toList());
    }

    /** K as RFC 5869 defines it, computed by BouncyCastle rather than by the code under test. */
    private static byte[] independentKey(byte[] groupId) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(groupId, "parley-v1-group-wrap".getBytes(StandardCharsets.US_ASCII), new byte[0]));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /** A group message wrapped by hand, as the format says, around arbitrary "padded" bytes. */
    private static byte[] handWrapped(byte[] groupId, byte[] padded) throws Exception {
        byte[] nonce = random(12);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(independentKey(groupId), "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(new byte[] {1});
        byte[] sealed = cipher.doFinal(padded);
        return ByteBuffer.allocate(1 + 12 + sealed.length).put((byte) 1).put(nonce).put(sealed).array();
    }

    @Test
    void aGroupMessageRoundTripsAndOnlyItsGroupsKeyOpensIt() throws Exception {
        byte[] groupId = random(16);
        byte[] other = random(16);
        byte[] message = "an MLS message".getBytes(StandardCharsets.UTF_8);
        byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, message, RANDOM);

        PayloadWrap.Unwrapped unwrapped = unwrap(wrapped, other, groupId);
        assertThat(unwrapped).isInstanceOfSatisfying(PayloadWrap.Unwrapped.GroupMessage.class, m -> {
            assertThat(m.groupId()).isEqualTo(Bytes.copyOf(groupId));
            assertThat(m.mlsMessage()).isEqualTo(message);
        });
        assertThatThrownBy(() -> unwrap(wrapped, other)).isInstanceOf(PayloadWrap.UnwrapException.class)
                .hasMessageContaining("no conversation");
        assertThatThrownBy(() -> unwrap(wrapped)).isInstanceOf(PayloadWrap.UnwrapException.class);
        assertThat(PayloadWrap.wrapGroupMessage(groupId, message, RANDOM)).as("a fresh nonce each time").isNotEqualTo(wrapped);
    }

    @Test
    void theFormatIsTheDocumentedOneWithAnIndependentlyDerivedKey() throws Exception {
        byte[] groupId = random(16);
        byte[] message = random(700);
        byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, message, RANDOM);
        assertThat(wrapped[0]).isEqualTo(PayloadWrap.GROUP_MESSAGE);

        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(independentKey(groupId), "AES"),
                new GCMParameterSpec(128, Arrays.copyOfRange(wrapped, 1, 13)));
        cipher.updateAAD(new byte[] {1});
        byte[] padded = cipher.doFinal(Arrays.copyOfRange(wrapped, 13, wrapped.length));
        assertThat(Padding.unpad(padded)).isEqualTo(message);

        assertThat(unwrap(handWrapped(groupId, Padding.pad(message)), groupId))
                .isInstanceOfSatisfying(PayloadWrap.Unwrapped.GroupMessage.class, m -> assertThat(m.mlsMessage()).isEqualTo(message));
    }

    @Test
    void aWelcomeRoundTripsWithoutAnyKey() throws Exception {
        byte[] welcome = random(1234);
        byte[] wrapped = PayloadWrap.wrapWelcome(welcome);
        assertThat(wrapped[0]).isEqualTo(PayloadWrap.WELCOME);
        assertThat(wrapped.length - 1).isEqualTo(Padding.paddedLength(welcome.length));
        assertThat(unwrap(wrapped)).isInstanceOfSatisfying(PayloadWrap.Unwrapped.Welcome.class,
                w -> assertThat(w.welcome()).isEqualTo(welcome));
    }

    @Test
    void theServerSeesNeitherGroupIdNorEpochInAGroupsMessages() throws Exception {
        byte[] groupId = random(16);
        Group alice = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, groupId,
                new BasicCredential("alice".getBytes(StandardCharsets.UTF_8)), KeyPackages.SUITE.generateSignatureKeyPair(RANDOM),
                List.of());
        KeyPackageBundle bob = KeyPackageBundle.create(KeyPackages.SUITE, new BasicCredential("bob".getBytes(StandardCharsets.UTF_8)),
                KeyPackages.SUITE.generateSignatureKeyPair(RANDOM), null, RANDOM);
        CommitResult add = alice.addMembers(List.of(bob.publicBytes()));
        alice.mergePendingCommit(add.pending());
        CommitResult update = alice.update();
        alice.mergePendingCommit(update.pending());

        List<byte[]> messages = List.of(update.commitMessage().toByteArray(), alice.encrypt("hello".getBytes(StandardCharsets.UTF_8)),
                alice.proposeRemove(1));
        for (byte[] message : messages) {
            // The header shows both in clear (RFC 9420 section 6.3): what this test would catch if it leaked.
            IncomingMessage.ForGroup header = (IncomingMessage.ForGroup) IncomingMessage.inspect(message);
            assertThat(header.groupId()).isEqualTo(Bytes.copyOf(groupId));
            assertThat(contains(message, groupId)).isTrue();
            assertThat(contains(message, ByteBuffer.allocate(Long.BYTES).putLong(header.epoch()).array())).isTrue();

            byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, message, RANDOM);
            assertThat(contains(wrapped, groupId)).as("group id").isFalse();
            assertThat(contains(wrapped, ByteBuffer.allocate(Long.BYTES).putLong(header.epoch()).array())).as("epoch").isFalse();
        }
        assertThat(alice.epoch()).isEqualTo(2);
        assertThat(contains(PayloadWrap.wrapWelcome(add.welcome().orElseThrow().toByteArray()), groupId))
                .as("a Welcome's group info is encrypted to its joiners").isFalse();
    }

    @Test
    void sizesFallIntoPadmeBuckets() {
        byte[] groupId = random(16);
        Set<Integer> sizes = new HashSet<>();
        int lengths = 0;
        for (int length = 0; length <= 20_000; length += 7, lengths++) {
            byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, new byte[length], RANDOM);
            int padded = wrapped.length - PayloadWrap.GROUP_OVERHEAD;
            assertThat(padded).isGreaterThanOrEqualTo(Padding.MIN_PADDED_BYTES).isGreaterThan(length);
            assertThat(Padding.padme(padded)).as("a Padmé bucket").isEqualTo(padded);
            assertThat(padded).isEqualTo(Padding.paddedLength(length));
            sizes.add(wrapped.length);
        }
        // 2,858 message sizes leave the server about a hundred sizes to see.
        assertThat(sizes.size()).isLessThan(lengths / 25);
    }

    @Test
    void emptyUnknownAndTruncatedPayloadsAreRefused() {
        byte[] groupId = random(16);
        byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, random(100), RANDOM);
        assertThatThrownBy(() -> unwrap(new byte[0], groupId)).isInstanceOf(PayloadWrap.UnwrapException.class)
                .hasMessageContaining("empty");
        for (int type : new int[] {0x00, 0x03, 0x7f, 0x80, 0xff}) {
            byte[] retyped = wrapped.clone();
            retyped[0] = (byte) type;
            assertThatThrownBy(() -> unwrap(retyped, groupId)).isInstanceOf(PayloadWrap.UnwrapException.class)
                    .hasMessageContaining("unknown type");
        }
        for (int length = 1; length < wrapped.length; length++) {
            byte[] truncated = Arrays.copyOf(wrapped, length);
            assertThatThrownBy(() -> unwrap(truncated, groupId)).as("%d of %d bytes", length, wrapped.length)
                    .isInstanceOf(PayloadWrap.UnwrapException.class);
        }
        byte[] extended = Arrays.copyOf(wrapped, wrapped.length + 1);
        assertThatThrownBy(() -> unwrap(extended, groupId)).isInstanceOf(PayloadWrap.UnwrapException.class);
    }

    @Test
    void everyFlippedBitIsRefused() {
        byte[] groupId = random(16);
        byte[] wrapped = PayloadWrap.wrapGroupMessage(groupId, random(40), RANDOM);
        for (int bit = 0; bit < wrapped.length * 8; bit++) {
            byte[] flipped = wrapped.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> unwrap(flipped, groupId)).as("bit %d", bit).isInstanceOf(PayloadWrap.UnwrapException.class);
        }
    }

    @Test
    void badPaddingUnderAValidKeyIsRefused() throws Exception {
        byte[] groupId = random(16);
        byte[] noMarker = new byte[256];
        byte[] bucket = Padding.pad(random(300));
        byte[] notABucket = Arrays.copyOf(bucket, bucket.length + 1);
        byte[] belowTheMinimum = Arrays.copyOf(new byte[] {1, 2, (byte) 0x80}, 100);
        for (byte[] padded : List.of(noMarker, notABucket, belowTheMinimum)) {
            assertThatThrownBy(() -> unwrap(handWrapped(groupId, padded), groupId)).isInstanceOf(PayloadWrap.UnwrapException.class);
        }
        assertThatThrownBy(() -> unwrap(handWrapped(groupId, noMarker), groupId)).hasMessageContaining("padded");
        for (byte[] padded : List.of(noMarker, notABucket, new byte[0], new byte[] {(byte) 0x80})) {
            byte[] welcome = ByteBuffer.allocate(1 + padded.length).put(PayloadWrap.WELCOME).put(padded).array();
            assertThatThrownBy(() -> unwrap(welcome)).isInstanceOf(PayloadWrap.UnwrapException.class).hasMessageContaining("padded");
        }
    }

    @Test
    void oversizedAndRandomPayloadsAreRefusedWithoutAnException() {
        byte[] groupId = random(16);
        byte[] huge = random(2 * 1024 * 1024);
        huge[0] = PayloadWrap.GROUP_MESSAGE;
        assertThatThrownBy(() -> unwrap(huge, groupId, random(16))).isInstanceOf(PayloadWrap.UnwrapException.class);
        byte[] hugeWelcome = new byte[2 * 1024 * 1024];
        hugeWelcome[0] = PayloadWrap.WELCOME;
        assertThatThrownBy(() -> unwrap(hugeWelcome)).isInstanceOf(PayloadWrap.UnwrapException.class);
        for (int i = 0; i < 200; i++) {
            byte[] noise = random(1 + RANDOM.nextInt(600));
            try {
                PayloadWrap.Unwrapped unwrapped = unwrap(noise, groupId);
                // Only a Welcome with valid padding could come out of noise, and then only its bytes.
                assertThat(unwrapped).isInstanceOf(PayloadWrap.Unwrapped.Welcome.class);
            } catch (PayloadWrap.UnwrapException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void keysKeepTheirSecretOutOfToString() {
        PayloadWrap.GroupKey key = PayloadWrap.GroupKey.of(random(16));
        assertThat(key.toString()).contains("hidden").doesNotContain(java.util.HexFormat.of().formatHex(key.groupId().toByteArray()));
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1)) >= 0;
    }
}
