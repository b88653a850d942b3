package org.parley.mls.group;

import org.parley.mls.codec.MlsProtocolException;

import java.util.List;

/**
 * The application's rules for who may be in a group and who may change it. RFC 9420 leaves both
 * to the application: Section 5.3.1 (a member's credential must be validated "according to the
 * authentication service's policy" whenever a leaf enters or changes) and Section 12.4.2 (a
 * Commit the application does not accept must be rejected). The group calls the policy before a
 * change takes effect: on joining (every member), on every Commit this member creates (before it
 * is returned, so a refused change is never sent) and on every Commit it processes (before the new
 * epoch is entered, so a refused Commit leaves the group as it was).
 *
 * <p>A method refuses by throwing {@link MlsProtocolException} with a message for people.
 */
public interface GroupPolicy {
    /** Accepts every credential and every valid Commit: RFC 9420's rules and nothing more. */
    GroupPolicy ACCEPT_ALL = new GroupPolicy() {
    };

    /** Every one of {@code policies}, in order: the first refusal refuses. */
    static GroupPolicy allOf(GroupPolicy... policies) {
        List<GroupPolicy> all = List.of(policies);
        return new GroupPolicy() {
            @Override
            public void checkGroup(GroupView group) {
                all.forEach(policy -> policy.checkGroup(group));
            }

            @Override
            public void checkCommit(CommitView commit) {
                all.forEach(policy -> policy.checkCommit(commit));
            }
        };
    }

    /** The group this member is about to join (Welcome or external Commit), as the joiner will see it. */
    default void checkGroup(GroupView group) {
    }

    /** A Commit about to take effect, created by this member or received from another. */
    default void checkCommit(CommitView commit) {
    }
}
