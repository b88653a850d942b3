package org.parley.mls.group;

import org.parley.mls.credentials.Credential;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.RatchetTree;

import java.util.ArrayList;
import java.util.List;

/** A member of a group: its leaf index, credential and signature key (RFC 9420 Section 7.2 LeafNode). */
public record Member(int leafIndex, Credential credential, SignaturePublicKey signatureKey) {
    static Member of(int leafIndex, LeafNode leaf) {
        return new Member(leafIndex, leaf.credential(), leaf.signatureKey());
    }

    /** Every member of {@code tree}, by increasing leaf index. */
    static List<Member> all(RatchetTree tree) {
        List<Integer> leaves = tree.memberLeaves();
        List<Member> members = new ArrayList<>(leaves.size());
        for (int leaf : leaves) {
            members.add(of(leaf, tree.leaf(leaf)));
        }
        return members;
    }
}
