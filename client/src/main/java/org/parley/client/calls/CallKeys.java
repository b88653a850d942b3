package org.parley.client.calls;

import org.parley.client.conversations.Conversations;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;
import org.parley.media.sframe.SFrameException;
import org.parley.media.sframe.UnknownKeyIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SFrame keys (RFC 9605) of one call: this member's and every other member's key of the
 * conversation group's current epoch (Section 5.2, from the MLS exporter via
 * {@link MlsSFrameKeys}), entered again when the epoch changes. Sending checks the epoch now and
 * then; receiving re-keys when a frame names an epoch not keyed yet.
 */
final class CallKeys {
    private static final Logger log = LoggerFactory.getLogger(CallKeys.class);
    private static final SFrameCipherSuite SUITE = SFrameCipherSuite.AES_128_GCM_SHA256_128;
    /** The base key length of {@link #SUITE} (its Nk). */
    private static final int BASE_KEY_BYTES = 16;
    /** Low-order epoch bits in a KID (RFC 9605 Section 5.2's E): keys of 16 epochs are kept. */
    private static final int EPOCH_BITS = 4;
    /** How often the group's epoch is checked for a re-key while sending. */
    private static final long EPOCH_CHECK_MILLIS = 500;

    private final Conversations conversations;
    private final byte[] groupId;
    private final Clock clock;
    private final MlsSFrameKeys keys = new MlsSFrameKeys(SUITE, EPOCH_BITS);
    /** The epoch whose keys were entered last; guarded by {@link #keys}. */
    private long keyedEpoch = -1;
    private volatile long lastEpochCheck;
    private final AtomicLong undecryptable = new AtomicLong();

    CallKeys(Conversations conversations, byte[] groupId, Clock clock) {
        this.conversations = conversations;
        this.groupId = groupId.clone();
        this.clock = clock;
    }

    /** Under the keys' lock, so that the sending and receiving threads re-key once; it takes the conversations' lock inside. */
    void rekeyIfEpochChanged() {
        synchronized (keys) {
            if (conversations.epoch(groupId) == keyedEpoch) {
                return;
            }
            Conversations.EpochSecret secret = conversations.exportSecret(groupId, MlsSFrameKeys.EXPORTER_LABEL, BASE_KEY_BYTES);
            keys.enterEpoch(secret.epoch(), secret.ownLeaf(), secret.memberLeaves(), secret.leafCount(), (label, context, length) -> {
                if (length != BASE_KEY_BYTES || !label.equals(MlsSFrameKeys.EXPORTER_LABEL)) {
                    throw new IllegalStateException("the SFrame suite wants " + length + " key bytes, " + BASE_KEY_BYTES + " were exported");
                }
                return secret.secret().copyBytes();
            });
            keyedEpoch = secret.epoch();
        }
    }

    /** Encrypts a frame under this device's key of the current epoch, with its header fields as {@code metadata}. */
    byte[] seal(byte[] metadata, byte[] plaintext) throws SFrameException {
        long now = clock.millis();
        if (now - lastEpochCheck >= EPOCH_CHECK_MILLIS) {
            lastEpochCheck = now;
            rekeyIfEpochChanged();
        }
        synchronized (keys) {
            return keys.encrypt(metadata, plaintext);
        }
    }

    /** The plaintext of a received frame, or null (counted) when it does not decrypt. */
    byte[] open(byte[] metadata, byte[] ciphertext) {
        try {
            return decrypt(metadata, ciphertext);
        } catch (SFrameException e) {
            undecryptable.incrementAndGet();
            log.debug("dropped a media frame that does not decrypt: {}", e.getMessage());
            return null;
        }
    }

    /** Decrypts; a KID of an epoch not keyed yet means the group moved on: re-key once and retry. */
    private byte[] decrypt(byte[] metadata, byte[] ciphertext) throws SFrameException {
        try {
            synchronized (keys) {
                return keys.decrypt(metadata, ciphertext);
            }
        } catch (UnknownKeyIdException e) {
            rekeyIfEpochChanged();
            synchronized (keys) {
                return keys.decrypt(metadata, ciphertext);
            }
        }
    }

    /** Frames that arrived but did not decrypt (wrong key or altered). */
    long undecryptable() {
        return undecryptable.get();
    }
}
