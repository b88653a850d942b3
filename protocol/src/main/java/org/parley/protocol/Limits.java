package org.parley.protocol;

/** Sizes that both ends of the protocol agree on; the server rejects anything beyond them. */
public final class Limits {
    /** Largest opaque payload in one Send. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;
    /** Largest ClientFrame: a full payload plus room for a long recipient list. */
    public static final int MAX_CLIENT_FRAME_BYTES = MAX_PAYLOAD_BYTES + 64 * 1024;
    /** Length of a Send.message_id. */
    public static final int MESSAGE_ID_BYTES = 16;
    /** Length of an account id. */
    public static final int ACCOUNT_ID_BYTES = 16;
    /** Length of an Ed25519 public key. */
    public static final int IDENTITY_KEY_BYTES = 32;
    /** Length of a device id. */
    public static final int DEVICE_ID_BYTES = 16;
    /** Accepted lengths of a sealed-sender access key. */
    public static final int MIN_ACCESS_KEY_BYTES = 16;
    public static final int MAX_ACCESS_KEY_BYTES = 32;

    private Limits() {
    }
}
