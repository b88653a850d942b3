package org.parley.server.groups;

import com.google.protobuf.ByteString;

/**
 * All the server knows of a group: its id, current epoch, the commit that led to that epoch, and
 * the public commit key of that epoch (null for a group recorded before commit keys existed).
 * Never members.
 */
public record GroupState(GroupId group, long epoch, CommitId lastCommit, ByteString commitKey) {
}
