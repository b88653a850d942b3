package org.parley.mls.group;

import java.util.Arrays;
import java.util.HexFormat;

/** A byte string usable as a hash-map key (ProposalRef, encoded PreSharedKeyID). */
record ByteKey(byte[] bytes) {
    ByteKey {
        bytes = bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
