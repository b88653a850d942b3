package org.parley.server.attachments;

import org.parley.server.storage.OpaqueId;

/** An attachment's identifier: 16 random bytes chosen by the server; its hex form names the file. */
public final class AttachmentId extends OpaqueId {
    public static final int LENGTH = 16;

    private AttachmentId(byte[] bytes) {
        super(bytes, LENGTH, LENGTH);
    }

    public static AttachmentId of(byte[] bytes) {
        return new AttachmentId(bytes);
    }

    /** Parses the hex form; rejects anything else, so a hostile id can never become a path. */
    public static AttachmentId parse(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("an attachment id is " + 2 * LENGTH + " lower-case hex digits");
        }
        return new AttachmentId(java.util.HexFormat.of().parseHex(hex));
    }

    /** The id a file name stands for, or empty when it is no attachment id's hex form. */
    public static java.util.Optional<AttachmentId> tryParse(String hex) {
        try {
            return java.util.Optional.of(parse(hex));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    public static AttachmentId random() {
        return new AttachmentId(randomBytes(LENGTH));
    }
}
