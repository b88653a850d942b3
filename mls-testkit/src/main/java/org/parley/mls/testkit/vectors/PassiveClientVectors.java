package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.ProcessedMessage.CommitApplied;
import org.parley.mls.group.ProcessedMessage;
import org.parley.mls.group.PskStore;
import org.parley.mls.keypackages.KeyPackage;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The "Passive Client" scenarios (test-vectors.md): join by Welcome with the given keys, tree and
 * external PSKs, check the epoch authenticator, then for each epoch process the proposals and the
 * Commit and check the authenticator again. The same procedure serves the three upstream files
 * ({@code passive-client-welcome.json}, {@code passive-client-handling-commit.json},
 * {@code passive-client-random.json}), which differ only in the scenarios they hold. Everything
 * runs through the public {@link Group} API.
 */
public final class PassiveClientVectors implements VectorSuite {
    private final String fileName;

    public PassiveClientVectors(String fileName) {
        this.fileName = fileName;
    }

    @Override
    public String fileName() {
        return fileName;
    }

    @Override
    public void verify(JsonNode testCase) {
        Map<String, byte[]> psks = new HashMap<>();
        for (JsonNode psk : testCase.get("external_psks")) {
            psks.put(HexFormat.of().formatHex(Check.hex(psk, "psk_id")), Check.hex(psk, "psk"));
        }
        PskStore store = pskId -> psks.get(HexFormat.of().formatHex(pskId));
        KeyPackage keyPackage = KeyPackageBundle.decodePublic(Check.hex(testCase, "key_package"));
        CipherSuite suite = CipherSuite.fromId(keyPackage.cipherSuite());
        KeyPackageBundle bundle = KeyPackageBundle.of(keyPackage, hpkePrivateKey(suite, testCase, "init_priv"),
                hpkePrivateKey(suite, testCase, "encryption_priv"),
                new SignaturePrivateKey(Check.hex(testCase, "signature_priv")));
        // The passive client only receives, so nothing it does draws on randomness.
        GroupConfig config = GroupConfig.defaults(new SecureRandom()).withPskStore(store);
        Group group = Group.joinFromWelcome(config, Check.hex(testCase, "welcome"), bundle,
                Check.optionalHex(testCase, "ratchet_tree"));
        Check.equal("initial_epoch_authenticator", Check.hex(testCase, "initial_epoch_authenticator"),
                group.epochAuthenticator());
        int index = 0;
        for (JsonNode epoch : testCase.get("epochs")) {
            for (JsonNode proposal : epoch.get("proposals")) {
                group.process(Check.hexValue(proposal));
            }
            ProcessedMessage result = group.process(Check.hex(epoch, "commit"));
            Check.isTrue("epoch " + index + ": the commit was not applied as a Commit", result instanceof CommitApplied);
            Check.equal("epoch " + index + " epoch_authenticator", Check.hex(epoch, "epoch_authenticator"),
                    group.epochAuthenticator());
            index++;
        }
    }

    /**
     * An HPKE private key field. The generator writes P-521 scalars as minimal big-endian
     * integers, sometimes 65 bytes; RFC 9180's SerializePrivateKey is fixed-length (Nsk), so
     * the value is left-padded with zeros.
     */
    static HpkePrivateKey hpkePrivateKey(CipherSuite suite, JsonNode testCase, String field) {
        byte[] raw = Check.hex(testCase, field);
        int length = suite.kem().privateKeyLength();
        if (raw.length >= length) {
            return new HpkePrivateKey(raw);
        }
        byte[] padded = new byte[length];
        System.arraycopy(raw, 0, padded, length - raw.length, raw.length);
        return new HpkePrivateKey(padded);
    }
}
