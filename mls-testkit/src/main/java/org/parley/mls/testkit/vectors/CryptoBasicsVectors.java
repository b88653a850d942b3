package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.HpkeCiphertext;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;

import java.security.SecureRandom;

/** {@code crypto-basics.json}: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, Sign/VerifyWithLabel, Encrypt/DecryptWithLabel. */
public final class CryptoBasicsVectors implements VectorSuite {
    private final SecureRandom random = new SecureRandom();

    @Override
    public String fileName() {
        return "crypto-basics.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));

        JsonNode ref = c.get("ref_hash");
        Check.equal("ref_hash.out", Check.hex(ref, "out"), suite.refHash(ref.get("label").asText(), Check.hex(ref, "value")));

        JsonNode ewl = c.get("expand_with_label");
        Check.equal("expand_with_label.out", Check.hex(ewl, "out"), suite.expandWithLabel(Check.hex(ewl, "secret"),
                ewl.get("label").asText(), Check.hex(ewl, "context"), (int) Check.number(ewl, "length")));

        JsonNode ds = c.get("derive_secret");
        Check.equal("derive_secret.out", Check.hex(ds, "out"), suite.deriveSecret(Check.hex(ds, "secret"), ds.get("label").asText()));

        JsonNode dts = c.get("derive_tree_secret");
        Check.equal("derive_tree_secret.out", Check.hex(dts, "out"), suite.deriveTreeSecret(Secret.copyOf(Check.hex(dts, "secret")),
                dts.get("label").asText(), Check.number(dts, "generation"), (int) Check.number(dts, "length")));

        JsonNode swl = c.get("sign_with_label");
        SignaturePrivateKey signPriv = new SignaturePrivateKey(Check.hex(swl, "priv"));
        SignaturePublicKey signPub = new SignaturePublicKey(Check.hex(swl, "pub"));
        String signLabel = swl.get("label").asText();
        byte[] content = Check.hex(swl, "content");
        Check.isTrue("sign_with_label: the vector's signature does not verify",
                suite.verifyWithLabel(signPub, signLabel, content, Check.hex(swl, "signature")));
        Check.isTrue("sign_with_label: our signature does not verify",
                suite.verifyWithLabel(signPub, signLabel, content, suite.signWithLabel(signPriv, signLabel, content)));
        Check.equal("sign_with_label: public key of priv", signPub.bytes(), suite.signaturePublicKey(signPriv).bytes());

        JsonNode ewl2 = c.get("encrypt_with_label");
        HpkePrivateKey encPriv = new HpkePrivateKey(Check.hex(ewl2, "priv"));
        HpkePublicKey encPub = new HpkePublicKey(Check.hex(ewl2, "pub"));
        String encLabel = ewl2.get("label").asText();
        byte[] context = Check.hex(ewl2, "context");
        byte[] plaintext = Check.hex(ewl2, "plaintext");
        Check.equal("encrypt_with_label: decryption of the vector", plaintext, suite.decryptWithLabel(encPriv, encLabel, context,
                Check.hex(ewl2, "kem_output"), Check.hex(ewl2, "ciphertext")));
        HpkeCiphertext ours = suite.encryptWithLabel(encPub, encLabel, context, plaintext, random);
        Check.equal("encrypt_with_label: decryption of our ciphertext", plaintext,
                suite.decryptWithLabel(encPriv, encLabel, context, ours));
    }
}
