package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.tree.UpdatePath;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreeKem;
import org.parley.mls.tree.TreePrivateKeys;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The "TreeKEM" vectors (test-vectors.md): every member's private state is checked against the
 * tree, every UpdatePath is merged (parent-hash valid, tree hash after) and decrypted by every
 * other member, and a fresh UpdatePath from each sender is decrypted by every other member to
 * the same commit secret.
 */
public final class TreeKemVectors implements VectorSuite {
    private final SecureRandom random = new SecureRandom();

    @Override
    public String fileName() {
        return "treekem.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(testCase, "cipher_suite"));
        byte[] groupId = Check.hex(testCase, "group_id");
        long epoch = Check.number(testCase, "epoch");
        byte[] confirmedTranscriptHash = Check.hex(testCase, "confirmed_transcript_hash");
        RatchetTree tree = RatchetTree.decode(suite, Check.hex(testCase, "ratchet_tree"));
        UnaryOperator<byte[]> context = treeHash -> new GroupContext(suite, groupId, epoch, treeHash, confirmedTranscriptHash,
                List.of()).toBytes();

        Map<Integer, TreePrivateKeys> members = new HashMap<>();
        Map<Integer, SignaturePrivateKey> signatureKeys = new HashMap<>();
        for (JsonNode leaf : testCase.get("leaves_private")) {
            int index = leaf.get("index").asInt();
            HpkePrivateKey leafKey = new HpkePrivateKey(Check.hex(leaf, "encryption_priv"));
            Check.isTrue("leaf " + index + " encryption_priv does not match the tree",
                    suite.hpkePublicKey(leafKey).equals(tree.leaf(index).encryptionKey()));
            TreePrivateKeys keys = new TreePrivateKeys(index, leafKey);
            for (JsonNode entry : leaf.get("path_secrets")) {
                int node = entry.get("node").asInt();
                var derived = TreeKem.nodeKeyPair(suite, Check.hex(entry, "path_secret"));
                Check.isTrue("leaf " + index + " private key for node " + node + " does not match the tree",
                        tree.node(node) != null && derived.publicKey().equals(tree.node(node).encryptionKey()));
                keys.put(node, derived.privateKey());
            }
            members.put(index, keys);
            signatureKeys.put(index, new SignaturePrivateKey(Check.hex(leaf, "signature_priv")));
        }

        for (JsonNode entry : testCase.get("update_paths")) {
            int sender = entry.get("sender").asInt();
            UpdatePath path = TlsReader.decodeExactly(Check.hex(entry, "update_path"), UpdatePath::decode, "update_path");
            RatchetTree merged = tree.copy();
            TreeKem.processUpdatePath(merged, null, sender, path, groupId, Set.of(), context);
            Check.equal("sender " + sender + " tree_hash_after", Check.hex(entry, "tree_hash_after"), merged.treeHash());
            byte[] commitSecret = Check.hex(entry, "commit_secret");
            JsonNode pathSecrets = entry.get("path_secrets");
            for (int j : tree.memberLeaves()) {
                if (j == sender) {
                    continue;
                }
                TreeKem.Processed processed = TreeKem.processUpdatePath(tree.copy(), members.get(j).copy(), sender, path,
                        groupId, Set.of(), context);
                Check.equal("sender " + sender + " path secret decrypted by leaf " + j,
                        Check.hexValue(pathSecrets.get(j)), processed.pathSecret());
                Check.equal("sender " + sender + " commit secret at leaf " + j, commitSecret, processed.commitSecret());
            }

            RatchetTree committerTree = tree.copy();
            TreeKem.Created created = TreeKem.createUpdatePath(committerTree, sender, tree.leaf(sender),
                    signatureKeys.get(sender), groupId, Set.of(), context, random);
            for (int j : tree.memberLeaves()) {
                if (j == sender) {
                    continue;
                }
                RatchetTree receiverTree = tree.copy();
                TreeKem.Processed processed = TreeKem.processUpdatePath(receiverTree, members.get(j).copy(), sender,
                        created.updatePath(), groupId, Set.of(), context);
                Check.equal("new UpdatePath from " + sender + ": commit secret at leaf " + j, created.commitSecret().copyBytes(),
                        processed.commitSecret());
                Check.equal("new UpdatePath from " + sender + ": tree hash at leaf " + j, committerTree.treeHash(),
                        receiverTree.treeHash());
            }
        }
    }
}
