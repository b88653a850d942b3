package org.parley.mls.codec;

/**
 * The one typed exception the MLS module throws for anything that arrives from outside and is
 * wrong: malformed encodings, failed signatures or MACs, invalid proposals, wrong epochs. A
 * caller that catches it knows the group state was left unchanged.
 */
public class MlsProtocolException extends RuntimeException {
    public MlsProtocolException(String message) {
        super(message);
    }

    public MlsProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
