package org.parley.mls.framing;

import org.parley.mls.codec.MlsProtocolException;

/**
 * A PrivateMessage whose sender data or content does not decrypt with the keys of the epoch it
 * names (RFC 9420 Section 6.3): it was made with other keys (another group's, or a forked copy of
 * this epoch) or it was tampered with. {@code senderLeaf} is the leaf the decrypted sender data
 * names, or -1 when the sender data itself did not decrypt.
 */
public final class DecryptionFailedException extends MlsProtocolException {
    private final int senderLeaf;

    public DecryptionFailedException(String message, int senderLeaf) {
        super(message);
        this.senderLeaf = senderLeaf;
    }

    public int senderLeaf() {
        return senderLeaf;
    }
}
