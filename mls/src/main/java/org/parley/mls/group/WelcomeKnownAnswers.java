package org.parley.mls.group;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.KeySchedule;

/**
 * The first steps of joining from a Welcome (RFC 9420 Section 12.4.3.1) on their own, without a
 * ratchet tree, as the "welcome" test vectors check them. Applications join with
 * {@link Group#joinFromWelcome}; this class is for conformance checks such as the test kit's.
 */
public final class WelcomeKnownAnswers {
    private WelcomeKnownAnswers() {
    }

    /**
     * Decrypts the GroupSecrets for {@code keyPackage} and the GroupInfo, and checks the
     * GroupInfo's confirmation tag with the key schedule started from the joiner_secret. The
     * Welcome must name no PSK. Returns the GroupInfo, whose signature the caller verifies with
     * the signer's key; any failure is an {@link MlsProtocolException}.
     */
    public static GroupInfo openWithoutPsks(byte[] welcomeMessage, KeyPackage keyPackage, HpkePrivateKey initKey) {
        Welcomes.Opened opened = Welcomes.open(Welcomes.decodeWelcome(welcomeMessage), keyPackage, initKey,
                PskStore.NONE, false);
        if (!opened.secrets().psks().isEmpty()) {
            throw new MlsProtocolException("the Welcome names PSKs; this check takes none");
        }
        GroupInfo info = opened.groupInfo();
        CipherSuite suite = info.groupContext().cipherSuite();
        EpochSecrets epoch = KeySchedule.fromJoinerSecret(suite, opened.secrets().joinerSecret().copyBytes(), null, info.groupContext());
        Welcomes.requireValidConfirmationTag(epoch, info);
        return info;
    }
}
