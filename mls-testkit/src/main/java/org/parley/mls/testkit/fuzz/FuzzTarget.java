package org.parley.mls.testkit.fuzz;

/**
 * Something that consumes untrusted bytes: a decoder, a decoder plus validation, or a message
 * unprotected against known keys. {@link #run} returns normally when the input is accepted,
 * throws {@link org.parley.mls.codec.MlsProtocolException} when it is rejected, and throws
 * {@link PropertyViolation} when it breaks a property the target checks itself (for example
 * re-encoding an accepted value gives other bytes). Anything else is a finding.
 */
public interface FuzzTarget {
    /** The kind of input, used to group counts and findings ("KeyPackage", "MLSMessage", ...). */
    String name();

    void run(byte[] input);

    /**
     * Bytes this target may allocate per input byte beyond a fixed allowance. Decoders build
     * objects a small multiple of their input; targets that verify signatures allocate per
     * signature in the input (BouncyCastle's P-521 arithmetic is the largest), so they declare more.
     */
    default long allocationPerInputByte() {
        return 256;
    }

    /** A property the target checks failed for an input; the fuzzer reports it as a finding. */
    final class PropertyViolation extends RuntimeException {
        public PropertyViolation(String message) {
            super(message);
        }
    }
}
