package org.parley.client.hostile;

import java.nio.ByteBuffer;

/**
 * What the operator can read in a stored payload without any key: an MLSMessage's header is in the
 * clear (RFC 9420 section 6: version, wire_format; for a PrivateMessage group_id, epoch and
 * content_type, section 6.3), so a hostile server can tell a commit from a chat message.
 */
final class MlsFraming {
    private static final int WIRE_FORMAT_PRIVATE_MESSAGE = 2;
    static final int CONTENT_TYPE_APPLICATION = 1;
    static final int CONTENT_TYPE_COMMIT = 3;

    private MlsFraming() {
    }

    /** The content_type of a PrivateMessage, or -1 for anything else. */
    static int privateContentType(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        if (payload.length < 4) {
            return -1;
        }
        in.getShort(); // version
        if (in.getShort() != WIRE_FORMAT_PRIVATE_MESSAGE) {
            return -1;
        }
        int first = in.get() & 0xff;
        int prefix = first >> 6;
        long length = first & 0x3f;
        for (int i = 1; i < (1 << prefix); i++) {
            length = (length << 8) | (in.get() & 0xff);
        }
        in.position(in.position() + (int) length + Long.BYTES);
        return in.get() & 0xff;
    }

    static boolean isCommit(byte[] payload) {
        return privateContentType(payload) == CONTENT_TYPE_COMMIT;
    }
}
