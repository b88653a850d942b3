package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.messages.Proposal;
import org.parley.mls.tree.RatchetTree;

/** The "Tree Operations" vectors (test-vectors.md): apply one Add, Update or Remove and compare trees and hashes. */
public final class TreeOperationsVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "tree-operations.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(testCase, "cipher_suite"));
        RatchetTree tree = RatchetTree.decode(suite, Check.hex(testCase, "tree_before"));
        Check.equal("tree_hash_before", Check.hex(testCase, "tree_hash_before"), tree.treeHash());
        Proposal proposal = TlsReader.decodeExactly(Check.hex(testCase, "proposal"), Proposal::decode, "proposal");
        int sender = (int) Check.number(testCase, "proposal_sender");
        if (proposal instanceof Proposal.Add add) {
            tree.addLeaf(add.keyPackage().leafNode());
        } else if (proposal instanceof Proposal.Update update) {
            tree.updateLeaf(sender, update.leafNode());
        } else if (proposal instanceof Proposal.Remove remove) {
            tree.removeLeaf(remove.removed());
        } else {
            throw new AssertionError("unexpected proposal type " + proposal.proposalType());
        }
        Check.equal("tree_after", Check.hex(testCase, "tree_after"), tree.encode());
        Check.equal("tree_hash_after", Check.hex(testCase, "tree_hash_after"), tree.treeHash());
    }
}
