/**
 * Commit ordering per group, the delivery service's one duty towards MLS handshake messages
 * (RFC 9750 Section 5.2): a commit for epoch {@code e} is accepted only while the group is at
 * epoch {@code e}. A group record is an opaque id, an epoch and the winning commit, never a member
 * list. {@link org.parley.server.groups.GroupStore} and its SQL adapter {@link org.parley.server.groups.JdbcGroupStore}.
 */
package org.parley.server.groups;
