package org.parley.server.groups;

/**
 * All the server knows of a group: its id, current epoch, and the commit that led to that epoch
 * (null at the epoch the group was created in). Never members.
 */
public record GroupState(GroupId group, long epoch, CommitId lastCommit) {
}
