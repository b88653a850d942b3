package org.parley.mls.group;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.vectors.Check;
import org.parley.mls.vectors.VectorSuite;

/**
 * The "Welcome" vectors (test-vectors.md): decrypt the GroupSecrets for the KeyPackage and the
 * GroupInfo, verify the GroupInfo signature with {@code signer_pub}, and its confirmation tag
 * with the key schedule started from the joiner_secret and no PSKs. Here, beside {@link Welcomes},
 * because it checks steps that are not public API.
 */
public final class WelcomeVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "welcome.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(testCase, "cipher_suite"));
        KeyPackage keyPackage = KeyPackageBundle.decodePublic(Check.hex(testCase, "key_package"));
        Welcomes.Opened opened = Welcomes.open(Welcomes.decodeWelcome(Check.hex(testCase, "welcome")), keyPackage,
                PassiveClientVectors.hpkePrivateKey(suite, testCase, "init_priv"), PskStore.NONE, false);
        GroupInfo info = opened.groupInfo();
        Check.isTrue("GroupInfo signature does not verify with signer_pub",
                info.verifySignature(new SignaturePublicKey(Check.hex(testCase, "signer_pub"))));
        if (!opened.secrets().psks().isEmpty()) {
            throw new MlsProtocolException("the Welcome vector names PSKs, which the format does not provide");
        }
        EpochSecrets epoch = KeySchedule.fromJoinerSecret(suite, opened.secrets().joinerSecret(), null, info.groupContext());
        Welcomes.requireValidConfirmationTag(epoch, info);
    }
}
