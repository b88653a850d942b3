package org.parley.mls.tree;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeCiphertext;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePrivateKey;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * TreeKEM (RFC 9420 Sections 7.4-7.6 and 7.9): creating an UpdatePath for a Commit and merging
 * and decrypting a received one.
 *
 * <p>Both operations change the tree they are given (blank the direct path, install the new
 * keys, parent hashes and leaf), so callers pass the staged tree of the next epoch and discard it
 * if an exception is thrown. The HPKE context is the provisional GroupContext, which depends on
 * the tree hash after the merge; the caller supplies it as a function of that tree hash.
 */
public final class TreeKem {
    private static final String ENCRYPT_LABEL = "UpdatePathNode";

    private TreeKem() {
    }

    /**
     * A freshly created UpdatePath with the secrets the committer keeps: the commit secret, its new
     * private keys, and the path secret of each filtered direct path node (for Welcome's GroupSecrets).
     */
    public record Created(UpdatePath updatePath, Secret commitSecret, TreePrivateKeys privateKeys,
                          Map<Integer, Secret> pathSecrets) {
        public Created {
            pathSecrets = Map.copyOf(pathSecrets);
        }
    }

    /** What a recipient learns from an UpdatePath: the path secret it decrypted, at which node, and the commit secret. */
    public record Processed(int decryptedNode, Secret pathSecret, Secret commitSecret) {
    }

    /**
     * Updates the committer's direct path (Section 7.5) and encrypts the path secrets to the
     * group (Section 7.6). The new leaf takes its credential, capabilities, extensions and
     * signature key from {@code leafTemplate}, gets a fresh encryption key and the parent hash, and
     * is signed with {@code signatureKey}. Leaves in {@code newLeaves} (added by the same Commit)
     * receive no ciphertext.
     */
    public static Created createUpdatePath(RatchetTree tree, int leafIndex, LeafNode leafTemplate,
                                           SignaturePrivateKey signatureKey, byte[] groupId, Set<Integer> newLeaves,
                                           UnaryOperator<byte[]> groupContextForTreeHash, SecureRandom random) {
        CipherSuite suite = tree.cipherSuite();
        if (tree.leaf(leafIndex) == null) {
            throw new MlsProtocolException("leaf " + leafIndex + " is not a member and cannot commit a path");
        }
        tree.blankDirectPath(leafIndex);
        int[] path = tree.filteredDirectPath(leafIndex);
        HpkeKeyPair leafKeys = suite.generateHpkeKeyPair(random);
        TreePrivateKeys privateKeys = new TreePrivateKeys(leafIndex, leafKeys.privateKey());
        Map<Integer, Secret> pathSecrets = new HashMap<>();
        byte[][] secrets = new byte[path.length][];
        byte[] pathSecret = new byte[suite.hashLength()];
        random.nextBytes(pathSecret);
        for (int i = 0; i < path.length; i++) {
            secrets[i] = pathSecret;
            pathSecrets.put(path[i], Secret.copyOf(pathSecret));
            HpkeKeyPair nodeKeys = nodeKeyPair(suite, pathSecret);
            privateKeys.put(path[i], nodeKeys.privateKey());
            tree.setNode(path[i], new Node.Parent(new ParentNode(nodeKeys.publicKey(), Bytes.EMPTY, List.of())));
            pathSecret = suite.deriveSecret(pathSecret, "path");
        }
        Bytes leafParentHash = ParentHashes.setParentHashes(tree, leafIndex, path);
        LeafNode leaf = new LeafNode(leafKeys.publicKey(), leafTemplate.signatureKey(), leafTemplate.credential(),
                leafTemplate.capabilities(), LeafNodeSource.COMMIT, null, leafParentHash, leafTemplate.extensions(),
                Bytes.EMPTY).sign(suite, signatureKey, groupId, leafIndex);
        tree.setNode(2 * leafIndex, new Node.Leaf(leaf));

        byte[] context = groupContextForTreeHash.apply(tree.treeHash());
        List<UpdatePathNode> nodes = new ArrayList<>(path.length);
        for (int i = 0; i < path.length; i++) {
            List<HpkeCiphertext> ciphertexts = new ArrayList<>();
            for (int r : resolutionWithout(tree, copathChild(path[i], 2 * leafIndex), newLeaves)) {
                ciphertexts.add(suite.encryptWithLabel(tree.node(r).encryptionKey(), ENCRYPT_LABEL, context, secrets[i], random));
            }
            nodes.add(new UpdatePathNode(tree.node(path[i]).encryptionKey(), ciphertexts));
        }
        return new Created(new UpdatePath(leaf, nodes), Secret.copyOf(pathSecret), privateKeys, pathSecrets);
    }

    /**
     * Merges a received UpdatePath into the tree (Section 7.5, recipient steps), checking the
     * leaf's source, signature and parent hash and that no new key already appears in the tree;
     * then, when {@code myKeys} is given, decrypts the path secret meant for this member, checks
     * that every derived public key matches the UpdatePath, and stores the new private keys.
     * {@code myKeys} is changed only when everything succeeded.
     */
    public static Processed processUpdatePath(RatchetTree tree, TreePrivateKeys myKeys, int senderLeaf,
                                              UpdatePath updatePath, byte[] groupId, Set<Integer> newLeaves,
                                              UnaryOperator<byte[]> groupContextForTreeHash) {
        CipherSuite suite = tree.cipherSuite();
        LeafNode leaf = updatePath.leafNode();
        if (tree.leaf(senderLeaf) == null) {
            throw new MlsProtocolException("UpdatePath sender " + senderLeaf + " is not a member");
        }
        if (leaf.leafNodeSource() != LeafNodeSource.COMMIT) {
            throw new MlsProtocolException("UpdatePath leaf node has leaf_node_source " + leaf.leafNodeSource() + ", not commit");
        }
        if (!leaf.verifySignature(suite, groupId, senderLeaf)) {
            throw new MlsProtocolException("UpdatePath leaf node signature is invalid");
        }
        int[] path = tree.filteredDirectPath(senderLeaf);
        if (updatePath.nodes().size() != path.length) {
            throw new MlsProtocolException("UpdatePath has " + updatePath.nodes().size()
                    + " nodes, the sender's filtered direct path has " + path.length);
        }
        // Fresh keys (Section 12.4.2): the path's few keys in a set, then every node looked up in it.
        Set<HpkePublicKey> pathKeys = new HashSet<>();
        pathKeys.add(leaf.encryptionKey());
        for (UpdatePathNode node : updatePath.nodes()) {
            if (!pathKeys.add(node.encryptionKey())) {
                throw new MlsProtocolException("UpdatePath public key " + node.encryptionKey() + " is repeated in the path");
            }
        }
        int holder = tree.nodeWithEncryptionKeyIn(pathKeys);
        if (holder >= 0) {
            throw new MlsProtocolException("UpdatePath public key " + tree.node(holder).encryptionKey()
                    + " is already in the tree (node " + holder + ")");
        }

        tree.blankDirectPath(senderLeaf);
        for (int i = 0; i < path.length; i++) {
            tree.setNode(path[i], new Node.Parent(new ParentNode(updatePath.nodes().get(i).encryptionKey(), Bytes.EMPTY, List.of())));
        }
        Bytes expectedParentHash = ParentHashes.setParentHashes(tree, senderLeaf, path);
        if (!expectedParentHash.constantTimeEquals(leaf.parentHash())) {
            throw new MlsProtocolException("UpdatePath leaf parent_hash does not match the parent hash of its path");
        }
        tree.setNode(2 * senderLeaf, new Node.Leaf(leaf));
        if (myKeys == null) {
            return null;
        }
        return decryptPath(tree, myKeys, senderLeaf, updatePath, path, newLeaves,
                groupContextForTreeHash.apply(tree.treeHash()));
    }

    private static Processed decryptPath(RatchetTree tree, TreePrivateKeys myKeys, int senderLeaf, UpdatePath updatePath,
                                         int[] path, Set<Integer> newLeaves, byte[] context) {
        CipherSuite suite = tree.cipherSuite();
        int myNode = 2 * myKeys.leafIndex();
        int senderNode = 2 * senderLeaf;
        if (myNode == senderNode) {
            throw new MlsProtocolException("a member cannot process its own UpdatePath");
        }
        int first = 0;
        while (first < path.length && !TreeMath.isAncestor(path[first], myNode)) {
            first++;
        }
        if (first == path.length) {
            throw new MlsProtocolException("no node of the sender's filtered direct path is above leaf " + myKeys.leafIndex());
        }
        List<Integer> resolution = resolutionWithout(tree, copathChild(path[first], senderNode), newLeaves);
        List<HpkeCiphertext> ciphertexts = updatePath.nodes().get(first).encryptedPathSecret();
        if (ciphertexts.size() != resolution.size()) {
            throw new MlsProtocolException("UpdatePath node " + first + " has " + ciphertexts.size()
                    + " ciphertexts for a resolution of " + resolution.size() + " nodes");
        }
        int slot = -1;
        for (int j = 0; j < resolution.size() && slot < 0; j++) {
            if (myKeys.get(resolution.get(j)) != null) {
                slot = j;
            }
        }
        if (slot < 0) {
            throw new MlsProtocolException("no private key for any node of the resolution the path secret was encrypted to");
        }
        byte[] decrypted = suite.decryptWithLabel(myKeys.get(resolution.get(slot)), ENCRYPT_LABEL, context,
                ciphertexts.get(slot));
        byte[] pathSecret = decrypted;
        HpkePrivateKey[] derived = new HpkePrivateKey[path.length];
        for (int i = first; i < path.length; i++) {
            HpkeKeyPair keys = nodeKeyPair(suite, pathSecret);
            if (!keys.publicKey().equals(updatePath.nodes().get(i).encryptionKey())) {
                throw new MlsProtocolException("public key derived for node " + path[i] + " differs from the UpdatePath's");
            }
            derived[i] = keys.privateKey();
            pathSecret = suite.deriveSecret(pathSecret, "path");
        }
        for (int p : TreeMath.directPath(senderNode, tree.leafCount())) {
            myKeys.remove(p);
        }
        for (int i = first; i < path.length; i++) {
            myKeys.put(path[i], derived[i]);
        }
        return new Processed(path[first], Secret.copyOf(decrypted), Secret.copyOf(pathSecret));
    }

    /** node_secret = DeriveSecret(path_secret, "node"); (node_priv, node_pub) = KEM.DeriveKeyPair(node_secret) (Section 7.4). */
    public static HpkeKeyPair nodeKeyPair(CipherSuite suite, byte[] pathSecret) {
        return suite.deriveHpkeKeyPair(suite.deriveSecret(pathSecret, "node"));
    }

    private static int copathChild(int p, int leafNode) {
        int towards = TreeMath.childTowards(p, leafNode);
        return towards == TreeMath.left(p) ? TreeMath.right(p) : TreeMath.left(p);
    }

    private static List<Integer> resolutionWithout(RatchetTree tree, int node, Set<Integer> excludedLeaves) {
        List<Integer> resolution = tree.resolution(node);
        if (!excludedLeaves.isEmpty()) {
            resolution.removeIf(x -> TreeMath.isLeaf(x) && excludedLeaves.contains(x / 2));
        }
        return resolution;
    }
}
