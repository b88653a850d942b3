package org.parley.mls.tree;

import org.parley.mls.crypto.HpkePrivateKey;

import java.util.HashMap;
import java.util.Map;

/**
 * The HPKE private keys one member holds in the ratchet tree (RFC 9420 Section 4.3, tree
 * invariant): its leaf's key and the keys of parent nodes on its direct path that it learned
 * from path secrets. Keys are indexed by node index. {@link #toString()} shows no key material.
 */
public final class TreePrivateKeys {
    private final int leafIndex;
    private final Map<Integer, HpkePrivateKey> keys = new HashMap<>();

    public TreePrivateKeys(int leafIndex, HpkePrivateKey leafKey) {
        this.leafIndex = leafIndex;
        keys.put(2 * leafIndex, leafKey);
    }

    public int leafIndex() {
        return leafIndex;
    }

    /** The private key of a node, or null when this member does not hold it. */
    public HpkePrivateKey get(int nodeIndex) {
        return keys.get(nodeIndex);
    }

    public void put(int nodeIndex, HpkePrivateKey key) {
        keys.put(nodeIndex, key);
    }

    /** Forgets a key, as Section 7.4 requires once a node is replaced or blanked. */
    public void remove(int nodeIndex) {
        keys.remove(nodeIndex);
    }

    /** Node indices this member holds keys for. */
    public java.util.Set<Integer> nodes() {
        return java.util.Set.copyOf(keys.keySet());
    }

    public TreePrivateKeys copy() {
        TreePrivateKeys copy = new TreePrivateKeys(leafIndex, keys.get(2 * leafIndex));
        copy.keys.putAll(keys);
        return copy;
    }

    @Override
    public String toString() {
        return "TreePrivateKeys[leaf " + leafIndex + ", " + keys.size() + " keys, redacted]";
    }
}
