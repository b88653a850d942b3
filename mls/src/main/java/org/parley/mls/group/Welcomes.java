package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.EncryptedGroupSecrets;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.GroupSecrets;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.messages.Welcome;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.schedule.TranscriptHashes;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.Parallelism;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreeKem;
import org.parley.mls.tree.TreeMath;
import org.parley.mls.tree.TreePrivateKeys;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Welcome messages (RFC 9420 Section 12.4.3.1): creating one for the members a Commit adds, and
 * joining a group from one, including the joiner's validation of the ratchet tree.
 */
final class Welcomes {
    private static final String WELCOME_LABEL = "Welcome";

    private Welcomes() {
    }

    /**
     * The Welcome for the members a Commit added, from the committer's next-epoch state
     * {@code s}; {@code path} is the committer's UpdatePath secrets, or null for a Commit without path.
     */
    static byte[] create(GroupState s, ProposalList.Applied applied, TreeKem.Created path, int committer,
                         List<PreSharedKeyID> psks, byte[] pskSecret, Commits.Options o) {
        CipherSuite suite = s.suite();
        List<Extension> infoExtensions = o.ratchetTreeInWelcome()
                ? List.of(new Extension(ExtensionType.RATCHET_TREE, s.tree.encode())) : List.of();
        GroupInfo info = new GroupInfo(s.context, infoExtensions, Bytes.copyOf(s.confirmationTag), committer, Bytes.EMPTY)
                .sign(o.signatureKey());
        byte[] welcomeSecret = KeySchedule.welcomeSecret(suite, s.secrets.joinerSecret().copyBytes(), pskSecret);
        byte[] encryptedInfo = suite.seal(KeySchedule.welcomeKey(suite, welcomeSecret), KeySchedule.welcomeNonce(suite, welcomeSecret),
                new byte[0], info.toBytes());
        List<EncryptedGroupSecrets> secrets = new ArrayList<>(applied.added().size());
        for (Map.Entry<Integer, KeyPackage> e : applied.added().entrySet()) {
            Secret pathSecret = null;
            if (path != null) {
                int ancestor = TreeMath.commonAncestor(2 * e.getKey(), 2 * committer);
                pathSecret = path.pathSecrets().get(ancestor);
                if (pathSecret == null) {
                    throw new IllegalStateException("no path secret at the common ancestor " + ancestor + " of a new member and the committer");
                }
            }
            GroupSecrets groupSecrets = new GroupSecrets(s.secrets.joinerSecret(), pathSecret, psks);
            KeyPackage kp = e.getValue();
            secrets.add(new EncryptedGroupSecrets(Bytes.copyOf(suite.makeKeyPackageRef(kp.toBytes())),
                    suite.encryptWithLabel(kp.initKey(), WELCOME_LABEL, encryptedInfo, groupSecrets.toBytes(), o.random())));
        }
        Welcome welcome = new Welcome(suite.id(), secrets, Bytes.copyOf(encryptedInfo));
        return new MlsMessage(new MlsMessage.EncodedBody(WireFormat.MLS_WELCOME, welcome.toBytes())).toBytes();
    }

    /** A decrypted Welcome: the GroupSecrets for our KeyPackage and the GroupInfo they unlock. */
    record Opened(GroupSecrets secrets, Secret pskSecret, GroupInfo groupInfo) {
        @Override
        public String toString() {
            return "Welcome.Opened[" + groupInfo.groupContext() + ", secrets redacted]";
        }
    }

    /** Decodes an MLSMessage that must carry a Welcome. */
    static Welcome decodeWelcome(byte[] mlsMessage) {
        MlsMessage message = MlsMessage.decode(mlsMessage, HandshakeBodies.INSTANCE);
        if (!(message.body() instanceof MlsMessage.EncodedBody body) || body.wireFormat() != WireFormat.MLS_WELCOME) {
            throw new MlsProtocolException("expected a Welcome, got an MLSMessage of wire format " + message.wireFormat());
        }
        return TlsReader.decodeExactly(body.bytes(), Welcome::decode, "Welcome");
    }

    /**
     * Finds the secrets for {@code keyPackage}, decrypts them with the init key and decrypts the
     * GroupInfo with the welcome key (Section 12.4.3.1, first steps). {@code continuesGroup} says
     * whether the Welcome must, or must not, name a reinit or branch PSK linking it to an older group.
     */
    static Opened open(Welcome welcome, KeyPackage keyPackage, HpkePrivateKey initKey, PskStore store, boolean continuesGroup) {
        if (welcome.cipherSuite() != keyPackage.cipherSuite()) {
            throw new MlsProtocolException("Welcome is for cipher suite " + welcome.cipherSuite() + ", the KeyPackage for "
                    + keyPackage.cipherSuite());
        }
        CipherSuite suite = CipherSuite.fromId(welcome.cipherSuite());
        Bytes ref = Bytes.copyOf(suite.makeKeyPackageRef(keyPackage.toBytes()));
        EncryptedGroupSecrets mine = null;
        for (EncryptedGroupSecrets e : welcome.secrets()) {
            if (e.newMember().equals(ref)) {
                mine = e;
            }
        }
        if (mine == null) {
            throw new MlsProtocolException("the Welcome has no secrets for this KeyPackage");
        }
        byte[] encryptedInfo = welcome.encryptedGroupInfo().toByteArray();
        GroupSecrets secrets = TlsReader.decodeExactly(
                suite.decryptWithLabel(initKey, WELCOME_LABEL, encryptedInfo, mine.encryptedGroupSecrets()),
                GroupSecrets::decode, "GroupSecrets");
        PreSharedKeyID link = linkedGroupPsk(secrets);
        if (link != null && !continuesGroup) {
            throw new MlsProtocolException("this Welcome continues another group (reinit or branch PSK): join it with "
                    + "Group.joinFromReInitWelcome and the old group");
        }
        if (link == null && continuesGroup) {
            throw new MlsProtocolException("this Welcome names no reinit PSK: it does not continue the old group");
        }
        byte[] pskSecret = Psks.pskSecret(suite, secrets.psks(), store, null, Map.of());
        byte[] welcomeSecret = KeySchedule.welcomeSecret(suite, secrets.joinerSecret().copyBytes(), pskSecret);
        byte[] infoBytes = suite.open(KeySchedule.welcomeKey(suite, welcomeSecret), KeySchedule.welcomeNonce(suite, welcomeSecret),
                new byte[0], encryptedInfo);
        GroupInfo info = TlsReader.decodeExactly(infoBytes, GroupInfo::decode, "GroupInfo");
        if (info.groupContext().cipherSuite() != suite) {
            throw new MlsProtocolException("GroupInfo cipher suite differs from the Welcome's");
        }
        return new Opened(secrets, Secret.copyOf(pskSecret), info);
    }

    /**
     * The resumption PSK with usage reinit or branch that links the Welcome's group to an older
     * one, or null; a Welcome may name at most one (Section 12.4.3.1).
     */
    static PreSharedKeyID linkedGroupPsk(GroupSecrets secrets) {
        PreSharedKeyID link = null;
        for (PreSharedKeyID id : secrets.psks()) {
            if (id.pskType() == PreSharedKeyID.RESUMPTION && id.usage() != PreSharedKeyID.USAGE_APPLICATION) {
                if (link != null) {
                    throw new MlsProtocolException("a Welcome may name at most one reinit or branch resumption PSK");
                }
                link = id;
            }
        }
        return link;
    }

    /** Checks the GroupInfo's confirmation tag with the epoch's confirmation key (Section 12.4.3.1). */
    static void requireValidConfirmationTag(EpochSecrets epoch, GroupInfo info) {
        byte[] expected = epoch.confirmationTag(info.groupContext().confirmedTranscriptHash().toByteArray());
        if (!info.confirmationTag().constantTimeEquals(expected)) {
            throw new MlsProtocolException("GroupInfo confirmation tag is invalid");
        }
    }

    /**
     * The ratchet tree a GroupInfo describes (from its ratchet_tree extension, else the one given
     * out of band), validated as a joiner must (Section 12.4.3.1), with the signer's signature checked.
     */
    static RatchetTree validatedTree(GroupInfo info, byte[] outOfBandTree, Parallelism parallelism) {
        CipherSuite suite = info.groupContext().cipherSuite();
        Extension treeExtension = Extension.find(info.extensions(), ExtensionType.RATCHET_TREE);
        byte[] encoded = treeExtension != null ? treeExtension.data().toByteArray() : outOfBandTree;
        if (encoded == null) {
            throw new MlsProtocolException("the GroupInfo carries no ratchet_tree extension and no tree was given");
        }
        RatchetTree tree = RatchetTree.decode(suite, encoded);
        if (!info.groupContext().treeHash().constantTimeEquals(tree.treeHash(parallelism))) {
            throw new MlsProtocolException("the ratchet tree's hash differs from the GroupInfo's tree_hash");
        }
        tree.validate(info.groupContext().groupId().toByteArray(), GroupState.requiredCapabilities(info.groupContext().extensions()), parallelism);
        LeafNode signer = tree.leaf(info.signer());
        if (signer == null) {
            throw new MlsProtocolException("GroupInfo signer " + Integer.toUnsignedString(info.signer()) + " is not a member");
        }
        if (!info.verifySignature(signer.signatureKey())) {
            throw new MlsProtocolException("GroupInfo signature is invalid");
        }
        return tree;
    }

    /** Joins from a Welcome: the new member's full state in the Welcome's epoch. */
    static GroupState join(Opened opened, KeyPackage keyPackage, HpkePrivateKey leafKey, SignaturePrivateKey signatureKey,
                           byte[] outOfBandTree, Parallelism parallelism) {
        GroupInfo info = opened.groupInfo();
        CipherSuite suite = info.groupContext().cipherSuite();
        RatchetTree tree = validatedTree(info, outOfBandTree, parallelism);

        int myLeaf = findLeaf(tree, keyPackage.leafNode());
        TreePrivateKeys keys = new TreePrivateKeys(myLeaf, leafKey);
        if (opened.secrets().pathSecret() != null) {
            byte[] pathSecret = opened.secrets().pathSecret().copyBytes();
            int ancestor = TreeMath.commonAncestor(2 * myLeaf, 2 * info.signer());
            for (int x = ancestor; ; x = TreeMath.parent(x, tree.leafCount())) {
                if (tree.node(x) != null) {
                    HpkeKeyPair pair = TreeKem.nodeKeyPair(suite, pathSecret);
                    if (!pair.publicKey().equals(tree.node(x).encryptionKey())) {
                        throw new MlsProtocolException("the Welcome's path secret does not match the public key of node " + x);
                    }
                    keys.put(x, pair.privateKey());
                    pathSecret = suite.deriveSecret(pathSecret, "path");
                }
                if (x == tree.root()) {
                    break;
                }
            }
        }

        EpochSecrets secrets = KeySchedule.fromJoinerSecret(suite, opened.secrets().joinerSecret().copyBytes(), opened.pskSecret().copyBytes(),
                info.groupContext());
        requireValidConfirmationTag(secrets, info);
        GroupState s = new GroupState();
        s.context = info.groupContext();
        s.tree = tree;
        s.confirmationTag = info.confirmationTag().toByteArray();
        s.interimTranscriptHash = TranscriptHashes.interim(suite, s.context.confirmedTranscriptHash().toByteArray(), s.confirmationTag);
        s.secrets = secrets;
        s.secretTree = secrets.secretTree(tree.leafCount());
        s.myLeaf = myLeaf;
        s.myKeys = keys;
        s.signatureKey = signatureKey;
        s.rememberResumptionPsk();
        return s;
    }

    /** The leaf holding exactly the KeyPackage's LeafNode (compared by encoding, after a key look-up). */
    private static int findLeaf(RatchetTree tree, LeafNode mine) {
        byte[] encoded = mine.toBytes();
        for (int leaf : tree.memberLeaves()) {
            LeafNode candidate = tree.leaf(leaf);
            if (candidate.encryptionKey().equals(mine.encryptionKey()) && Arrays.equals(candidate.toBytes(), encoded)) {
                return leaf;
            }
        }
        throw new MlsProtocolException("the ratchet tree holds no leaf identical to the KeyPackage's leaf node");
    }
}
