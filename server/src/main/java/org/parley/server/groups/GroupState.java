package org.parley.server.groups;

import com.google.protobuf.ByteString;

/**
 * All the server knows of a group besides the day of its last commit: its routing id, current
 * epoch, the commit that led to that epoch, and the public commit key of that epoch. Never members.
 */
public record GroupState(RoutingId group, long epoch, CommitId lastCommit, ByteString commitKey) {
}
