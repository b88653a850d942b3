package org.parley.mls.tree;

/**
 * Array-based tree math (RFC 9420 Section 4.1.2 and Appendix C). Nodes are numbered left to
 * right, leaves at even indices; an MLS tree always has a power-of-two number of leaves (Section
 * 7.7), so the parent formula needs no extension step.
 *
 * <p>Node indices are non-negative ints, so a tree has at most 2^30 leaves (2^31 - 1 nodes);
 * intermediate values are computed in {@code long} so that nothing overflows near that limit.
 */
public final class TreeMath {
    /** The largest supported number of leaves: its node width, 2^31 - 1, is the largest int. */
    public static final int MAX_LEAVES = 1 << 30;

    private TreeMath() {
    }

    /** The exponent of the largest power of 2 not above x; 0 for x = 0. */
    public static int log2(long x) {
        return x == 0 ? 0 : 63 - Long.numberOfLeadingZeros(x);
    }

    /** The level of a node: leaves are 0, their parents 1, and so on (the number of trailing 1 bits). */
    public static int level(int x) {
        checkNode(x);
        return Integer.numberOfTrailingZeros(~x);
    }

    public static boolean isLeaf(int x) {
        return (x & 1) == 0;
    }

    /** Node index of the leaf with this LeafIndex. */
    public static int leafToNode(int leafIndex) {
        if (leafIndex < 0 || leafIndex >= MAX_LEAVES) {
            throw new IllegalArgumentException("leaf index " + leafIndex + " out of range");
        }
        return leafIndex * 2;
    }

    /** LeafIndex of a leaf node. */
    public static int nodeToLeaf(int x) {
        checkNode(x);
        if (!isLeaf(x)) {
            throw new IllegalArgumentException("node " + x + " is not a leaf");
        }
        return x >>> 1;
    }

    /** node_width(n): the number of nodes of a tree with n leaves. */
    public static int nodeWidth(int nLeaves) {
        checkLeafCount(nLeaves, true);
        return nLeaves == 0 ? 0 : (int) (2L * (nLeaves - 1) + 1);
    }

    /** root(n): the index of the root of a tree with n leaves. */
    public static int root(int nLeaves) {
        checkLeafCount(nLeaves, false);
        return (int) ((1L << log2(nodeWidth(nLeaves))) - 1);
    }

    /** The left child of an intermediate node. */
    public static int left(int x) {
        int k = level(x);
        if (k == 0) {
            throw new IllegalArgumentException("leaf node " + x + " has no children");
        }
        return x ^ (1 << (k - 1));
    }

    /** The right child of an intermediate node. */
    public static int right(int x) {
        int k = level(x);
        if (k == 0) {
            throw new IllegalArgumentException("leaf node " + x + " has no children");
        }
        return x ^ (3 << (k - 1));
    }

    /** The parent of a node in a tree with n leaves. */
    public static int parent(int x, int nLeaves) {
        checkInTree(x, nLeaves);
        if (x == root(nLeaves)) {
            throw new IllegalArgumentException("root node " + x + " has no parent");
        }
        int k = level(x);
        long b = (x >>> (k + 1)) & 1L;
        return (int) ((x | (1L << k)) ^ (b << (k + 1)));
    }

    /** The other child of the node's parent. */
    public static int sibling(int x, int nLeaves) {
        int p = parent(x, nLeaves);
        return x < p ? right(p) : left(p);
    }

    /** The direct path of a node, from its parent up to and including the root. */
    public static int[] directPath(int x, int nLeaves) {
        checkInTree(x, nLeaves);
        int r = root(nLeaves);
        int[] path = new int[level(r) - level(x)];
        int i = 0;
        while (x != r) {
            x = parent(x, nLeaves);
            path[i++] = x;
        }
        return path;
    }

    /** The copath of a node: the sibling of the node and of each node of its direct path except the root. */
    public static int[] copath(int x, int nLeaves) {
        int[] direct = directPath(x, nLeaves);
        int[] copath = new int[direct.length];
        int node = x;
        for (int i = 0; i < direct.length; i++) {
            copath[i] = sibling(node, nLeaves);
            node = direct[i];
        }
        return copath;
    }

    /** The lowest node that is x or y or an ancestor of both (common_ancestor_direct of Appendix C). */
    public static int commonAncestor(int x, int y) {
        int lx = level(x) + 1;
        int ly = level(y) + 1;
        if (lx <= ly && (x >>> ly) == (y >>> ly)) {
            return y;
        }
        if (ly <= lx && (x >>> lx) == (y >>> lx)) {
            return x;
        }
        long xn = x;
        long yn = y;
        int k = 0;
        while (xn != yn) {
            xn >>>= 1;
            yn >>>= 1;
            k++;
        }
        return (int) ((xn << k) + (1L << (k - 1)) - 1);
    }

    /** Whether node {@code p} is a proper ancestor of node {@code x}. */
    static boolean isAncestor(int p, int x) {
        int level = level(p);
        return level > level(x) && (x >>> (level + 1)) == (p >>> (level + 1));
    }

    /** The child of ancestor {@code p} whose subtree holds node {@code x}. */
    static int childTowards(int p, int x) {
        return x < p ? left(p) : right(p);
    }

    /** Whether the subtree under node x spans the given leaf index. */
    static boolean spansLeaf(int x, int leafIndex) {
        int level = level(x);
        long first = ((long) x >>> (level + 1)) << level;
        return leafIndex >= first && leafIndex < first + (1L << level);
    }

    private static void checkNode(int x) {
        if (x < 0) {
            throw new IllegalArgumentException("node index " + x + " is negative");
        }
    }

    private static void checkInTree(int x, int nLeaves) {
        checkNode(x);
        if (x >= nodeWidth(nLeaves)) {
            throw new IllegalArgumentException("node " + x + " is outside a tree of " + nLeaves + " leaves");
        }
    }

    private static void checkLeafCount(int nLeaves, boolean zeroAllowed) {
        if (nLeaves < (zeroAllowed ? 0 : 1) || nLeaves > MAX_LEAVES) {
            throw new IllegalArgumentException("a tree must have " + (zeroAllowed ? 0 : 1) + " to 2^30 leaves, not " + nLeaves);
        }
    }
}
