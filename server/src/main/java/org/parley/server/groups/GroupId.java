package org.parley.server.groups;

import org.parley.server.storage.OpaqueId;

/**
 * An MLS group_id (RFC 9420 Section 8.1) as the client chose it: opaque, random, 1 to 255 bytes.
 * The server links it to nothing but an epoch.
 */
public final class GroupId extends OpaqueId {
    public static final int MAX_LENGTH = 255;

    private GroupId(byte[] bytes) {
        super(bytes, 1, MAX_LENGTH);
    }

    public static GroupId of(byte[] bytes) {
        return new GroupId(bytes);
    }
}
