package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.extensions.Extension;

import java.util.List;
import java.util.Objects;

/**
 * A Commit as a {@link GroupPolicy} sees it before it takes effect.
 *
 * @param groupId          the group
 * @param epoch            the epoch the Commit ends
 * @param committer        the committing member as it was in that epoch; null for an external Commit
 * @param membersBefore    every member in that epoch
 * @param membersAfter     every member in the new epoch, with their new leaves
 * @param added            members the Commit adds (their KeyPackage leaves; an external joiner's new leaf)
 * @param removed          members the Commit removes, each with the member who proposed it
 * @param updated          the new leaves of members whose leaf the Commit replaces (Update proposals and the
 *                         committer's own UpdatePath): their credentials may differ from the old ones
 * @param extensionsBefore the group context extensions of that epoch
 * @param extensionsAfter  the group context extensions of the new epoch
 */
public record CommitView(Bytes groupId, long epoch, Member committer, List<Member> membersBefore, List<Member> membersAfter,
                         List<Member> added, List<Removal> removed, List<Member> updated, List<Extension> extensionsBefore,
                         List<Extension> extensionsAfter) {
    public CommitView {
        Objects.requireNonNull(groupId, "groupId");
        membersBefore = List.copyOf(membersBefore);
        membersAfter = List.copyOf(membersAfter);
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        updated = List.copyOf(updated);
        extensionsBefore = List.copyOf(extensionsBefore);
        extensionsAfter = List.copyOf(extensionsAfter);
    }

    /**
     * A member the Commit removes. {@code proposer} is the member whose Remove proposal it commits
     * (the committer for a Remove sent by value, the removed member itself when it asked to leave),
     * or null for a proposal from an external sender.
     */
    public record Removal(Member member, Member proposer) {
        public Removal {
            Objects.requireNonNull(member, "member");
        }
    }

    /** Whether the Commit changes the group context extensions. */
    public boolean changesExtensions() {
        return !extensionsBefore.equals(extensionsAfter);
    }
}
