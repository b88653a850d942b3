package org.parley.mls.group;

/**
 * Where a group finds the pre-shared keys that Commits and Welcomes name (RFC 9420 Section 8.4).
 * The application injects it; resumption PSKs of the group's own recent epochs are kept by the
 * group itself and need no store. Return null for a PSK that is not known: the message naming it
 * is then rejected.
 */
public interface PskStore {
    /** A store that knows no PSK. */
    PskStore NONE = new PskStore() {
        @Override
        public byte[] externalPsk(byte[] pskId) {
            return null;
        }
    };

    /** The external PSK with this psk_id, or null. */
    byte[] externalPsk(byte[] pskId);

    /** The resumption_psk of another group's epoch (for example one this client left or re-initialised), or null. */
    default byte[] resumptionPsk(byte[] groupId, long epoch) {
        return null;
    }
}
