/**
 * Commit ordering per group, the delivery service's one duty towards MLS handshake messages
 * (RFC 9750 Section 5.2): a commit for epoch {@code e} is accepted only while the group is at
 * epoch {@code e}. A group record is the routing id its members derive (never the MLS group id), an
 * epoch, the winning commit and the day of the last commit, never a member list; unused groups are
 * deleted after the retention period. {@link org.parley.server.groups.GroupStore} and its SQL adapter {@link org.parley.server.groups.JdbcGroupStore}.
 */
package org.parley.server.groups;
