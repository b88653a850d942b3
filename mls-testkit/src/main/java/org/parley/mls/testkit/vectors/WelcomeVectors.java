package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.WelcomeKnownAnswers;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.GroupInfo;

/**
 * The "Welcome" vectors (test-vectors.md): decrypt the GroupSecrets for the KeyPackage and the
 * GroupInfo, check its confirmation tag with the key schedule started from the joiner_secret and
 * no PSKs ({@link WelcomeKnownAnswers}), and verify the GroupInfo signature with {@code signer_pub}.
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
        GroupInfo info = WelcomeKnownAnswers.openWithoutPsks(Check.hex(testCase, "welcome"), keyPackage,
                PassiveClientVectors.hpkePrivateKey(suite, testCase, "init_priv"));
        Check.isTrue("GroupInfo signature does not verify with signer_pub",
                info.verifySignature(new SignaturePublicKey(Check.hex(testCase, "signer_pub"))));
    }
}
