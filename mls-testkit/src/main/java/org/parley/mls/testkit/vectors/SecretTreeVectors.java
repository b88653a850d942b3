package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.schedule.SecretTree.RatchetKey;
import org.parley.mls.schedule.SecretTree.RatchetType;

/** {@code secret-tree.json}: sender-data key and nonce, and ratchet keys and nonces per leaf and generation (RFC 9420 Section 9, 6.3.2). */
public final class SecretTreeVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "secret-tree.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        JsonNode sd = c.get("sender_data");
        Secret senderDataSecret = Secret.copyOf(Check.hex(sd, "sender_data_secret"));
        byte[] sample = Check.hex(sd, "ciphertext");
        Check.equal("sender_data.key", Check.hex(sd, "key"), PrivateMessage.senderDataKey(suite, senderDataSecret, sample));
        Check.equal("sender_data.nonce", Check.hex(sd, "nonce"), PrivateMessage.senderDataNonce(suite, senderDataSecret, sample));

        JsonNode leaves = c.get("leaves");
        SecretTree tree = new SecretTree(suite, Secret.copyOf(Check.hex(c, "encryption_secret")), leaves.size());
        for (int leaf = 0; leaf < leaves.size(); leaf++) {
            for (JsonNode g : leaves.get(leaf)) {
                long generation = Check.number(g, "generation");
                String at = "leaves[" + leaf + "] generation " + generation + " ";
                RatchetKey hs = tree.decryptionKey(leaf, RatchetType.HANDSHAKE, generation);
                Check.equal(at + "handshake_key", Check.hex(g, "handshake_key"), hs.key());
                Check.equal(at + "handshake_nonce", Check.hex(g, "handshake_nonce"), hs.nonce());
                RatchetKey app = tree.decryptionKey(leaf, RatchetType.APPLICATION, generation);
                Check.equal(at + "application_key", Check.hex(g, "application_key"), app.key());
                Check.equal(at + "application_nonce", Check.hex(g, "application_nonce"), app.nonce());
                tree.consume(leaf, RatchetType.HANDSHAKE, generation);
                tree.consume(leaf, RatchetType.APPLICATION, generation);
            }
        }
    }
}
