package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.tree.RatchetTree;

import java.util.ArrayList;
import java.util.List;

/**
 * The "Tree Validation" vectors (test-vectors.md): resolutions and tree hashes of every node,
 * parent hashes as when joining, and every leaf's signature against the group id.
 */
public final class TreeValidationVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "tree-validation.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(testCase, "cipher_suite"));
        RatchetTree tree = RatchetTree.decode(suite, Check.hex(testCase, "tree"));
        JsonNode resolutions = testCase.get("resolutions");
        JsonNode hashes = testCase.get("tree_hashes");
        Check.equal("node count", resolutions.size(), tree.nodeWidth());
        for (int i = 0; i < tree.nodeWidth(); i++) {
            List<Integer> expected = new ArrayList<>();
            resolutions.get(i).forEach(n -> expected.add(n.asInt()));
            Check.isTrue("resolution of node " + i + ": expected " + expected + ", computed " + tree.resolution(i),
                    expected.equals(tree.resolution(i)));
            Check.equal("tree hash of node " + i, Check.hexValue(hashes.get(i)), tree.treeHash(i));
        }
        tree.validate(Check.hex(testCase, "group_id"), null);
    }
}
