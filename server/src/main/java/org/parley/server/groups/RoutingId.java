package org.parley.server.groups;

import org.parley.protocol.CommitAuthority;
import org.parley.server.storage.OpaqueId;

/**
 * The opaque id under which the server orders a group's commits (parley.proto SubmitCommit.routing_id):
 * chosen by the members, 16 to 64 bytes; Parley clients derive it from the MLS group_id with HKDF
 * ({@link CommitAuthority#routingId}), so the server never sees the group_id and cannot match the id
 * with anything inside MLS messages. The server links it to nothing but an epoch.
 */
public final class RoutingId extends OpaqueId {
    private RoutingId(byte[] bytes) {
        super(bytes, CommitAuthority.MIN_ROUTING_ID_BYTES, CommitAuthority.MAX_ROUTING_ID_BYTES);
    }

    public static RoutingId of(byte[] bytes) {
        return new RoutingId(bytes);
    }
}
