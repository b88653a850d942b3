package org.parley.mls.tree;

import org.parley.mls.codec.Bytes;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Capabilities;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Real members with real keys for tree tests: a KeyPackage-style leaf, its HPKE and signature key pairs. */
final class TestMembers {
    static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    static final byte[] GROUP_ID = "group".getBytes();
    static final SecureRandom RANDOM = new SecureRandom();

    record Member(LeafNode leaf, HpkeKeyPair encryption, SignatureKeyPair signature) {
    }

    private TestMembers() {
    }

    static Member member(String name) {
        HpkeKeyPair encryption = SUITE.generateHpkeKeyPair(RANDOM);
        SignatureKeyPair signature = SUITE.generateSignatureKeyPair(RANDOM);
        LeafNode unsigned = new LeafNode(encryption.publicKey(), signature.publicKey(), new BasicCredential(name.getBytes()),
                new Capabilities(List.of(1), List.of(SUITE.id()), List.of(), List.of(), List.of(1)),
                LeafNodeSource.KEY_PACKAGE, new Lifetime(0, -1), null, List.of(), Bytes.EMPTY);
        return new Member(unsigned.sign(SUITE, signature.privateKey(), GROUP_ID, 0), encryption, signature);
    }

    /** A tree of n members added one by one, where member 0 then commits a full path. */
    static List<Member> members(int n) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(member("member-" + i));
        }
        return members;
    }

    static RatchetTree treeOf(List<Member> members) {
        RatchetTree tree = RatchetTree.withFirstLeaf(SUITE, members.get(0).leaf());
        for (int i = 1; i < members.size(); i++) {
            tree.addLeaf(members.get(i).leaf());
        }
        return tree;
    }

    static byte[] context(byte[] treeHash) {
        return treeHash.clone();
    }
}
