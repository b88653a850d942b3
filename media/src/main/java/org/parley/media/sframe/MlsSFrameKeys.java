package org.parley.media.sframe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SFrame keys from MLS (RFC 9605 Section 5.2): one {@code base_key} per epoch from the MLS
 * exporter, and a distinct KID per member index, so that every sender has its own key and salt
 * without any key being sent over the wire.
 *
 * <pre>KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))</pre>
 *
 * <p>Keys of at most {@code 2^E} epochs are kept: entering an epoch drops the older one that
 * shares its low-order E bits, as the RFC requires.
 */
public final class MlsSFrameKeys {
    /** The exporter label of RFC 9605 Section 5.2. */
    public static final String EXPORTER_LABEL = "SFrame 1.0 Base Key";

    /** The MLS-Exporter of the group's current epoch (RFC 9420 Section 8.5). */
    @FunctionalInterface
    public interface Exporter {
        byte[] export(String label, byte[] context, int length);
    }

    private final SFrameContext context;
    private final int epochBits;
    /** KIDs installed per value of the epoch's low-order E bits. */
    private final Map<Long, List<Long>> kidsByEpochSlot = new HashMap<>();
    private long sendKid;
    private boolean hasEpoch;

    public MlsSFrameKeys(SFrameCipherSuite suite, int epochBits) {
        if (epochBits < 1 || epochBits > 16) {
            throw new IllegalArgumentException("epoch bits must be between 1 and 16, was " + epochBits);
        }
        this.context = new SFrameContext(suite);
        this.epochBits = epochBits;
    }

    /** The smallest S such that {@code groupSize <= 1 << S}. */
    static int indexBits(int groupSize) {
        return groupSize <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(groupSize - 1);
    }

    public static long kid(long contextId, long senderIndex, long epoch, int indexBits, int epochBits) {
        return (contextId << (indexBits + epochBits)) + (senderIndex << epochBits) + (epoch & ((1L << epochBits) - 1));
    }

    /**
     * Installs the keys of a new epoch: the sending key for {@code ownIndex} and receiving keys for
     * every other member index in {@code memberIndices}. {@code groupSize} is the number of
     * leaves in the tree (member indices are below it). The keys of the older epoch that shares
     * this epoch's low-order E bits are dropped first.
     */
    public void enterEpoch(long epoch, int ownIndex, List<Integer> memberIndices, int groupSize, Exporter exporter) {
        byte[] baseKey = exporter.export(EXPORTER_LABEL, new byte[0], context.suite().nk);
        int s = indexBits(groupSize);
        long slot = epoch & ((1L << epochBits) - 1);
        List<Long> previous = kidsByEpochSlot.remove(slot);
        if (previous != null) {
            previous.forEach(context::removeKey);
        }
        List<Long> kids = new ArrayList<>();
        for (int index : memberIndices) {
            long kid = kid(0, index, epoch, s, epochBits);
            if (index == ownIndex) {
                context.addSendKey(kid, baseKey);
                sendKid = kid;
            } else {
                context.addReceiveKey(kid, baseKey);
            }
            kids.add(kid);
        }
        kidsByEpochSlot.put(slot, kids);
        hasEpoch = true;
    }

    /** Encrypts a frame under this member's key of the newest epoch. */
    public byte[] encrypt(byte[] metadata, byte[] frame) {
        if (!hasEpoch) {
            throw new IllegalStateException("no epoch entered yet");
        }
        return context.encrypt(sendKid, metadata, frame);
    }

    /** Decrypts a frame of any member in any epoch still kept. */
    public byte[] decrypt(byte[] metadata, byte[] sframe) throws SFrameException {
        return context.decrypt(metadata, sframe);
    }
}
