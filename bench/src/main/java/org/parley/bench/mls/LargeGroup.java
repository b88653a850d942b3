package org.parley.bench.mls;

import org.parley.mls.codec.Bytes;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.credentials.CredentialType;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.EncryptedGroupSecrets;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.GroupSecrets;
import org.parley.mls.messages.Welcome;
import org.parley.mls.ProtocolVersion;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.schedule.PskSecret;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.Lifetime;
import org.parley.mls.tree.Node;
import org.parley.mls.tree.ParentNode;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreeKem;
import org.parley.mls.tree.TreeMath;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A group of {@code n} members with a full ratchet tree (every parent above an occupied right
 * subtree holds a key), built directly instead of by n sequential commits, and joined through
 * the public API by two real members: alice at leaf 1 and bob at leaf 3.
 *
 * <p>The tree is what many commits would leave (RFC 9420 Sections 7.8, 7.9): even leaves are
 * {@code commit} leaves whose parent_hash chains up the left spine of every subtree, odd leaves
 * are {@code key_package} leaves, and the keys on the direct path of the Welcome's signer (leaf 2)
 * come from one path-secret chain, so the Welcome can hand alice and bob their path secrets
 * (Section 12.4.3.1) exactly as a committer's Welcome would. Every signature, key and hash is real:
 * joiners run the full validation on it.
 */
final class LargeGroup {
    static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final int SIGNER_LEAF = 2;
    private static final Capabilities CAPABILITIES = new Capabilities(List.of(ProtocolVersion.MLS10), List.of(SUITE.id()),
            List.of(), List.of(), List.of(CredentialType.BASIC, CredentialType.X509));

    final Group alice;
    final Group bob;
    final GroupConfig config;

    private LargeGroup(Group alice, Group bob, GroupConfig config) {
        this.alice = alice;
        this.bob = bob;
        this.config = config;
    }

    static BasicCredential credential(String name) {
        return new BasicCredential(name.getBytes(StandardCharsets.UTF_8));
    }

    static KeyPackageBundle keyPackage(String name, SecureRandom random) {
        return KeyPackageBundle.create(SUITE, credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    /**
     * {@code members} members added by alice in one Commit, bob joining from its Welcome: the
     * tree ts-mls can build the same way, for comparing the two (parents off alice's path stay blank).
     */
    static LargeGroup byOneCommit(int members, GroupConfig config) {
        Group alice = Group.create(config, SUITE, ("one commit " + members).getBytes(StandardCharsets.UTF_8), credential("alice"),
                SUITE.generateSignatureKeyPair(config.random()), List.of());
        List<KeyPackageBundle> joiners = new ArrayList<>();
        for (int i = 1; i < members; i++) {
            joiners.add(keyPackage("member " + i, config.random()));
        }
        CommitResult added = alice.addMembers(joiners.stream().map(KeyPackageBundle::publicBytes).toList());
        alice.mergePendingCommit(added.pending());
        return new LargeGroup(alice, Group.joinFromWelcome(config, added.welcomeMessage().toByteArray(), joiners.get(0), null), config);
    }

    /** {@code members} (at least 4) members with a full tree; alice and bob join from a Welcome signed by leaf 2. */
    static LargeGroup full(int members, GroupConfig config) {
        if (members < 4) {
            throw new IllegalArgumentException("a built full tree needs at least 4 members");
        }
        return new Builder(members, config).build();
    }

    private static final class Builder {
        private final int members;
        private final int leafCount;
        private final GroupConfig config;
        private final SecureRandom random;
        private final byte[] groupId;
        private final KeyPackageBundle aliceKeys;
        private final KeyPackageBundle bobKeys;
        private final SignatureKeyPair signerKeys;
        private final Map<Integer, byte[]> pathSecrets = new HashMap<>();
        private final Map<Integer, HpkeKeyPair> pathKeys = new HashMap<>();
        private RatchetTree tree;

        Builder(int members, GroupConfig config) {
            this.members = members;
            this.leafCount = Integer.highestOneBit(members - 1) << 1;
            this.config = config;
            this.random = config.random();
            this.groupId = ("full group of " + members).getBytes(StandardCharsets.UTF_8);
            this.aliceKeys = keyPackage("alice", random);
            this.bobKeys = keyPackage("bob", random);
            this.signerKeys = SUITE.generateSignatureKeyPair(random);
        }

        /** A parent is blank exactly when no member sits in its right subtree (nothing would have filled it). */
        private boolean blank(int parent) {
            int right = TreeMath.right(parent);
            int leftmostLeaf = (right - ((1 << TreeMath.level(right)) - 1)) / 2;
            return leftmostLeaf >= members;
        }

        LargeGroup build() {
            byte[] pathSecret = new byte[SUITE.hashLength()];
            random.nextBytes(pathSecret);
            int root = TreeMath.root(leafCount);
            for (int x = TreeMath.parent(2 * SIGNER_LEAF, leafCount); ; x = TreeMath.parent(x, leafCount)) {
                if (!blank(x)) {
                    pathSecrets.put(x, pathSecret);
                    pathKeys.put(x, TreeKem.nodeKeyPair(SUITE, pathSecret));
                    pathSecret = SUITE.deriveSecret(pathSecret, "path");
                }
                if (x == root) {
                    break;
                }
            }
            List<Node> nodes = new ArrayList<>(Collections.nCopies(TreeMath.nodeWidth(leafCount), null));
            Node placeholder = new Node.Leaf(aliceKeys.keyPackage().leafNode());
            for (int leaf = 0; leaf < members; leaf++) {
                nodes.set(2 * leaf, placeholder);
            }
            tree = RatchetTree.fromNodes(SUITE, nodes);
            fill(root, null);
            return welcomeAliceAndBob();
        }

        /**
         * Sets node x and its subtree, top down; {@code parentHash} is the value x must carry
         * (null when x is a right child, whose parent is covered by its left sibling's chain).
         * The right subtree is finished first, since the left child's parent hash covers its tree hash.
         */
        private void fill(int x, Bytes parentHash) {
            if (TreeMath.isLeaf(x)) {
                fillLeaf(x / 2, parentHash);
                return;
            }
            if (blank(x)) {
                fill(TreeMath.left(x), parentHash);
                return;
            }
            HpkeKeyPair keys = pathKeys.containsKey(x) ? pathKeys.get(x) : SUITE.generateHpkeKeyPair(random);
            tree.setNode(x, new Node.Parent(new ParentNode(keys.publicKey(), parentHash == null ? Bytes.EMPTY : parentHash, List.of())));
            fill(TreeMath.right(x), null);
            fill(TreeMath.left(x), Bytes.copyOf(tree.parentHash(x, TreeMath.right(x))));
        }

        private void fillLeaf(int leaf, Bytes parentHash) {
            if (leaf >= members) {
                return;
            }
            if (leaf == 1 || leaf == 3) {
                // Right children: their KeyPackage's leaf node, as an Add would have placed it.
                tree.setNode(2 * leaf, new Node.Leaf((leaf == 1 ? aliceKeys : bobKeys).keyPackage().leafNode()));
                return;
            }
            SignatureKeyPair signature = leaf == SIGNER_LEAF ? signerKeys : SUITE.generateSignatureKeyPair(random);
            LeafNodeSource source = parentHash != null ? LeafNodeSource.COMMIT : LeafNodeSource.KEY_PACKAGE;
            LeafNode node = new LeafNode(SUITE.generateHpkeKeyPair(random).publicKey(), signature.publicKey(),
                    credential("member " + leaf), CAPABILITIES, source,
                    source == LeafNodeSource.KEY_PACKAGE ? new Lifetime(0, -1) : null, parentHash, List.of(), Bytes.EMPTY)
                    .sign(SUITE, signature.privateKey(), groupId, leaf);
            tree.setNode(2 * leaf, new Node.Leaf(node));
        }

        /** The Welcome leaf 2 would send alice and bob (Section 12.4.3.1), with the tree out of band. */
        private LargeGroup welcomeAliceAndBob() {
            byte[] confirmedTranscriptHash = new byte[SUITE.hashLength()];
            random.nextBytes(confirmedTranscriptHash);
            GroupContext context = new GroupContext(SUITE, groupId, 1000, tree.treeHash(), confirmedTranscriptHash, List.of());
            byte[] joinerSecret = new byte[SUITE.hashLength()];
            random.nextBytes(joinerSecret);
            byte[] pskSecret = PskSecret.compute(SUITE, List.of());
            EpochSecrets epoch = KeySchedule.fromJoinerSecret(SUITE, joinerSecret, pskSecret, context);
            GroupInfo info = new GroupInfo(context, List.of(), Bytes.copyOf(epoch.confirmationTag(confirmedTranscriptHash)),
                    SIGNER_LEAF, Bytes.EMPTY).sign(signerKeys.privateKey());
            byte[] welcomeSecret = KeySchedule.welcomeSecret(SUITE, joinerSecret, pskSecret);
            byte[] encryptedInfo = SUITE.seal(KeySchedule.welcomeKey(SUITE, welcomeSecret),
                    KeySchedule.welcomeNonce(SUITE, welcomeSecret), new byte[0], info.toBytes());
            List<EncryptedGroupSecrets> secrets = new ArrayList<>();
            for (int leaf : new int[] {1, 3}) {
                KeyPackage kp = (leaf == 1 ? aliceKeys : bobKeys).keyPackage();
                byte[] pathSecret = pathSecrets.get(TreeMath.commonAncestor(2 * leaf, 2 * SIGNER_LEAF));
                GroupSecrets groupSecrets = new GroupSecrets(Secret.copyOf(joinerSecret), Secret.copyOf(pathSecret), List.of());
                secrets.add(new EncryptedGroupSecrets(Bytes.copyOf(SUITE.makeKeyPackageRef(kp.toBytes())),
                        SUITE.encryptWithLabel(kp.initKey(), "Welcome", encryptedInfo, groupSecrets.toBytes(), random)));
            }
            byte[] welcome = new MlsMessage(new MlsMessage.EncodedBody(WireFormat.MLS_WELCOME,
                    new Welcome(SUITE.id(), secrets, Bytes.copyOf(encryptedInfo)).toBytes())).toBytes();
            byte[] encodedTree = tree.encode();
            Group alice = Group.joinFromWelcome(config, welcome, aliceKeys, encodedTree);
            Group bob = Group.joinFromWelcome(config, welcome, bobKeys, encodedTree);
            return new LargeGroup(alice, bob, config);
        }
    }
}
