package org.parley.mls.schedule;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.tree.TreeMath;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The secret tree of one epoch (RFC 9420 Section 9): a tree of secrets rooted at
 * encryption_secret, with a handshake and an application hash ratchet per leaf (Section 9.1),
 * and the deletion schedule of Section 9.2: a node's secret is erased once its children are
 * derived, a leaf's once its ratchets are, a ratchet secret once the next one is, and a key
 * once it has been used.
 *
 * <p>Out-of-order delivery is bounded: a receiver derives at most {@link #MAX_FORWARD_GENERATIONS}
 * generations ahead of its ratchet in one step and keeps at most {@link #MAX_RETAINED_KEYS}
 * unused keys of skipped generations per ratchet, dropping the oldest first.
 * Not thread-safe.
 */
public final class SecretTree {
    /** How far ahead of the next expected generation a message may be. */
    public static final int MAX_FORWARD_GENERATIONS = 1000;
    /** How many unused keys of skipped generations a ratchet keeps. */
    public static final int MAX_RETAINED_KEYS = 1000;

    /** The two ratchets of a leaf (Section 9.1); handshake for proposals and commits. */
    public enum RatchetType {
        HANDSHAKE("handshake"), APPLICATION("application");

        private final String label;

        RatchetType(String label) {
            this.label = label;
        }
    }

    /**
     * A key and nonce of one generation of a ratchet; the tree hands out the secrets it holds (no
     * copies) and destroys them when the generation is {@link #consume consumed}.
     */
    public record RatchetKey(long generation, Secret key, Secret nonce) {
    }

    private final CipherSuite suite;
    private final int leafCount;
    private final Map<Integer, Secret> nodeSecrets = new HashMap<>();
    private final Map<Integer, Ratchet[]> ratchets = new HashMap<>();

    public SecretTree(CipherSuite suite, Secret encryptionSecret, int leafCount) {
        if (leafCount < 1 || leafCount > TreeMath.MAX_LEAVES || Integer.bitCount(leafCount) != 1) {
            throw new IllegalArgumentException("a secret tree has a power-of-two number of leaves, not " + leafCount);
        }
        this.suite = suite;
        this.leafCount = leafCount;
        nodeSecrets.put(TreeMath.root(leafCount), encryptionSecret.copy());
    }

    /** An independent copy, so that a message that fails validation leaves the original untouched. */
    public SecretTree copy() {
        SecretTree copy = new SecretTree(suite, leafCount);
        nodeSecrets.forEach((node, secret) -> copy.nodeSecrets.put(node, secret.copy()));
        ratchets.forEach((leaf, pair) -> {
            Ratchet[] copied = new Ratchet[pair.length];
            for (int i = 0; i < pair.length; i++) {
                copied[i] = copy.new Ratchet(pair[i]);
            }
            copy.ratchets.put(leaf, copied);
        });
        return copy;
    }

    private SecretTree(CipherSuite suite, int leafCount) {
        this.suite = suite;
        this.leafCount = leafCount;
    }

    /** Writes the whole state (remaining node secrets, ratchets, retained keys) for a group's saved state. */
    public void writeState(TlsWriter w) {
        w.writeUint32(leafCount);
        w.writeVector(new TreeMap<>(nodeSecrets).entrySet(), (v, e) -> {
            v.writeUint32(e.getKey());
            e.getValue().writeOpaque(v);
        });
        w.writeVector(new TreeMap<>(ratchets).entrySet(), (v, e) -> {
            v.writeUint32(e.getKey());
            for (Ratchet ratchet : e.getValue()) {
                ratchet.secret.writeOpaque(v);
                v.writeUint64(ratchet.next);
                v.writeVector(ratchet.unused.values(), (u, k) -> {
                    u.writeUint64(k.generation());
                    k.key().writeOpaque(u);
                    k.nonce().writeOpaque(u);
                });
            }
        });
    }

    /** Reads what {@link #writeState} wrote, rejecting indices outside the tree. */
    public static SecretTree readState(CipherSuite suite, TlsReader r) {
        int at = r.position();
        long leaves = r.readUint32();
        if (leaves < 1 || leaves > TreeMath.MAX_LEAVES || Long.bitCount(leaves) != 1) {
            throw new DecodeException("saved secret tree has " + leaves + " leaves, not a power of two", at);
        }
        SecretTree tree = new SecretTree(suite, (int) leaves);
        int width = TreeMath.nodeWidth(tree.leafCount);
        for (Map.Entry<Integer, Secret> e : r.readVector(v -> Map.entry(readIndex(v, width, "node"), Secret.readOpaque(v)))) {
            tree.nodeSecrets.put(e.getKey(), e.getValue());
        }
        r.readVector(v -> {
            int leaf = readIndex(v, tree.leafCount, "leaf");
            Ratchet[] pair = new Ratchet[RatchetType.values().length];
            for (RatchetType type : RatchetType.values()) {
                Ratchet ratchet = tree.new Ratchet(leaf, type, Secret.readOpaque(v));
                ratchet.next = v.readUint64();
                for (RatchetKey key : v.readVector(u -> new RatchetKey(u.readUint64(), Secret.readOpaque(u), Secret.readOpaque(u)))) {
                    ratchet.unused.put(key.generation(), key);
                }
                pair[type.ordinal()] = ratchet;
            }
            tree.ratchets.put(leaf, pair);
            return leaf;
        });
        return tree;
    }

    private static int readIndex(TlsReader r, int bound, String what) {
        int at = r.position();
        long index = r.readUint32();
        if (index >= bound) {
            throw new DecodeException("saved secret tree " + what + " index " + index + " is outside the tree", at);
        }
        return (int) index;
    }

    public int leafCount() {
        return leafCount;
    }

    /** The key for the next message this leaf sends; the generation is consumed. */
    public RatchetKey nextEncryptionKey(int leaf, RatchetType type) {
        return ratchet(leaf, type).next();
    }

    /**
     * The key of a received message's generation, deriving forward as needed. The key stays
     * available until {@link #consume} (call it once the message decrypted), so that a forged
     * message cannot destroy the key of a genuine one.
     */
    public RatchetKey decryptionKey(int leaf, RatchetType type, long generation) {
        return ratchet(leaf, type).keyFor(generation);
    }

    /**
     * The generation this leaf's ratchet expects next: the one after the highest it has derived.
     * A received generation above it means the messages in between have not arrived (yet).
     */
    public long nextGeneration(int leaf, RatchetType type) {
        return ratchet(leaf, type).next;
    }

    /**
     * Whether a message of this generation was already decrypted here (or sent, for this member's
     * own leaf): its key is gone although the ratchet is past it. A skipped generation's key is
     * dropped unused only once more than {@link #MAX_RETAINED_KEYS} later keys are held, which puts
     * it more than that far behind the ratchet; so within that distance a missing key was consumed,
     * and beyond it nobody can tell (this answers false).
     */
    public boolean wasConsumed(int leaf, RatchetType type, long generation) {
        Ratchet ratchet = ratchet(leaf, type);
        return generation < ratchet.next && ratchet.next - generation <= MAX_RETAINED_KEYS
                && !ratchet.unused.containsKey(generation);
    }

    /** Deletes the key of a generation after it decrypted a message (Section 9.2). */
    public void consume(int leaf, RatchetType type, long generation) {
        ratchet(leaf, type).consume(generation);
    }

    private Ratchet ratchet(int leaf, RatchetType type) {
        if (leaf < 0 || leaf >= leafCount) {
            throw new MlsProtocolException("leaf index " + leaf + " is outside a tree of " + leafCount + " leaves");
        }
        Ratchet[] pair = ratchets.computeIfAbsent(leaf, this::initRatchets);
        return pair[type.ordinal()];
    }

    /** Derives the leaf's secret down from its lowest known ancestor, then both ratchets; erases what it consumed. */
    private Ratchet[] initRatchets(int leaf) {
        int target = TreeMath.leafToNode(leaf);
        int node = TreeMath.root(leafCount);
        while (node != target) {
            Secret secret = nodeSecrets.remove(node);
            int left = TreeMath.left(node);
            int right = TreeMath.right(node);
            if (secret != null) {
                nodeSecrets.put(left, suite.expandWithLabel(secret, "tree", ascii("left"), suite.hashLength()));
                nodeSecrets.put(right, suite.expandWithLabel(secret, "tree", ascii("right"), suite.hashLength()));
                secret.destroy();
            }
            node = target < node ? left : right;
        }
        Secret leafSecret = nodeSecrets.remove(target);
        if (leafSecret == null) {
            throw new IllegalStateException("secret of leaf " + leaf + " was already consumed");
        }
        Ratchet[] pair = new Ratchet[RatchetType.values().length];
        for (RatchetType type : RatchetType.values()) {
            pair[type.ordinal()] = new Ratchet(leaf, type,
                    suite.expandWithLabel(leafSecret, type.label, new byte[0], suite.hashLength()));
        }
        leafSecret.destroy();
        return pair;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** One hash ratchet (Section 9.1): the secret of generation {@code next} and the unused keys of skipped generations. */
    private final class Ratchet {
        private final int leaf;
        private final RatchetType type;
        private Secret secret;
        private long next;
        private final TreeMap<Long, RatchetKey> unused = new TreeMap<>();

        Ratchet(int leaf, RatchetType type, Secret secret) {
            this.leaf = leaf;
            this.type = type;
            this.secret = secret;
        }

        /** A deep copy of another tree's ratchet. */
        Ratchet(Ratchet other) {
            this(other.leaf, other.type, other.secret.copy());
            next = other.next;
            other.unused.forEach((g, k) -> unused.put(g, new RatchetKey(g, k.key().copy(), k.nonce().copy())));
        }

        /** Derives the key and nonce of generation {@code next}, then ratchets the secret forward and erases the old one. */
        RatchetKey next() {
            if (next > 0xFFFFFFFFL) {
                throw new MlsProtocolException("the " + type.label + " ratchet of leaf " + leaf + " has run out of generations");
            }
            RatchetKey key = new RatchetKey(next,
                    suite.deriveTreeSecret(secret, "key", next, suite.aeadKeyLength()),
                    suite.deriveTreeSecret(secret, "nonce", next, suite.aeadNonceLength()));
            Secret following = suite.deriveTreeSecret(secret, "secret", next, suite.hashLength());
            secret.destroy();
            secret = following;
            next++;
            return key;
        }

        RatchetKey keyFor(long generation) {
            if (generation < next) {
                RatchetKey key = unused.get(generation);
                if (key == null) {
                    throw new MlsProtocolException("the " + type.label + " key of leaf " + leaf + " for generation "
                            + generation + " was already used or has been deleted (the ratchet is at " + next + ")");
                }
                return key;
            }
            if (generation - next > MAX_FORWARD_GENERATIONS) {
                throw new MlsProtocolException("generation " + generation + " of leaf " + leaf + "'s " + type.label
                        + " ratchet is more than " + MAX_FORWARD_GENERATIONS + " ahead of the expected " + next);
            }
            while (next <= generation) {
                RatchetKey key = next();
                unused.put(key.generation(), key);
                if (unused.size() > MAX_RETAINED_KEYS) {
                    unused.pollFirstEntry();
                }
            }
            return unused.get(generation);
        }

        void consume(long generation) {
            RatchetKey key = unused.remove(generation);
            if (key != null) {
                key.key().destroy();
                key.nonce().destroy();
            }
        }
    }

    @Override
    public String toString() {
        return "SecretTree[" + suite + ", " + leafCount + " leaves, secrets redacted]";
    }
}
