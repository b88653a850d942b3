package org.parley.mls.tree;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TreeMathTest {

    @Test
    void eightLeafTreeMatchesTheFigureOfAppendixC() {
        assertThat(TreeMath.nodeWidth(8)).isEqualTo(15);
        assertThat(TreeMath.root(8)).isEqualTo(7);
        assertThat(TreeMath.directPath(0, 8)).containsExactly(1, 3, 7);
        assertThat(TreeMath.copath(0, 8)).containsExactly(2, 5, 11);
        assertThat(TreeMath.directPath(7, 8)).isEmpty();
        assertThat(TreeMath.copath(7, 8)).isEmpty();
        assertThat(TreeMath.commonAncestor(0, 2)).isEqualTo(1);
        assertThat(TreeMath.commonAncestor(2, 8)).isEqualTo(7);
        assertThat(TreeMath.commonAncestor(9, 14)).isEqualTo(11);
        assertThat(TreeMath.commonAncestor(3, 2)).isEqualTo(3);
        assertThat(TreeMath.commonAncestor(4, 4)).isEqualTo(4);
    }

    @Test
    void largestTreeDoesNotOverflow() {
        int n = TreeMath.MAX_LEAVES;
        assertThat(TreeMath.nodeWidth(n)).isEqualTo(Integer.MAX_VALUE);
        assertThat(TreeMath.root(n)).isEqualTo((1 << 30) - 1);
        int lastLeaf = Integer.MAX_VALUE - 1;
        int[] path = TreeMath.directPath(lastLeaf, n);
        assertThat(path).hasSize(30);
        assertThat(path[path.length - 1]).isEqualTo(TreeMath.root(n));
        assertThat(TreeMath.parent(lastLeaf, n)).isEqualTo(lastLeaf - 1);
        assertThat(TreeMath.sibling(lastLeaf, n)).isEqualTo(lastLeaf - 2);
        assertThat(TreeMath.copath(lastLeaf, n)).hasSize(30);
        assertThat(TreeMath.commonAncestor(0, lastLeaf)).isEqualTo(TreeMath.root(n));
        assertThat(TreeMath.right(TreeMath.root(n))).isEqualTo((1 << 30) + (1 << 29) - 1);
        assertThat(TreeMath.nodeToLeaf(lastLeaf)).isEqualTo(n - 1);
    }

    @Test
    void invalidQueriesAreRejected() {
        assertThatThrownBy(() -> TreeMath.left(4)).hasMessageContaining("leaf node 4 has no children");
        assertThatThrownBy(() -> TreeMath.parent(3, 4)).hasMessageContaining("root node 3 has no parent");
        assertThatThrownBy(() -> TreeMath.parent(7, 4)).hasMessageContaining("outside a tree of 4 leaves");
        assertThatThrownBy(() -> TreeMath.root(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TreeMath.nodeWidth(TreeMath.MAX_LEAVES + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TreeMath.level(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
