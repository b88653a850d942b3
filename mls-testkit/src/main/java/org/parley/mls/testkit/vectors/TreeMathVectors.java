package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.tree.TreeMath;

import java.util.function.IntUnaryOperator;

/** {@code tree-math.json}: n_nodes, root, and left/right/parent/sibling of every node (RFC 9420 Appendix C). */
public final class TreeMathVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "tree-math.json";
    }

    @Override
    public void verify(JsonNode c) {
        int n = Math.toIntExact(Check.number(c, "n_leaves"));
        int width = TreeMath.nodeWidth(n);
        Check.equal("n_nodes", Check.number(c, "n_nodes"), width);
        int root = TreeMath.root(n);
        Check.equal("root", Check.number(c, "root"), root);
        checkEach(c, "left", width, x -> TreeMath.isLeaf(x) ? -1 : TreeMath.left(x));
        checkEach(c, "right", width, x -> TreeMath.isLeaf(x) ? -1 : TreeMath.right(x));
        checkEach(c, "parent", width, x -> x == root ? -1 : TreeMath.parent(x, n));
        checkEach(c, "sibling", width, x -> x == root ? -1 : TreeMath.sibling(x, n));
    }

    /** Compares an array of optional node indices; -1 stands for null. */
    private static void checkEach(JsonNode c, String field, int width, IntUnaryOperator f) {
        JsonNode expected = c.get(field);
        Check.equal(field + " length", expected.size(), width);
        for (int x = 0; x < width; x++) {
            JsonNode e = expected.get(x);
            Check.equal(field + "[" + x + "]", e.isNull() ? -1 : e.asLong(), f.applyAsInt(x));
        }
    }
}
