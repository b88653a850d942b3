package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.extensions.Extension;

import java.util.List;
import java.util.Objects;

/**
 * A group as a {@link GroupPolicy} sees it when a member joins: its id, epoch, every member and
 * the group context's extensions. {@code signer} is the member who signed the GroupInfo (the
 * inviter, for a Welcome), or null for an external join.
 */
public record GroupView(Bytes groupId, long epoch, List<Member> members, List<Extension> extensions, Member signer) {
    public GroupView {
        Objects.requireNonNull(groupId, "groupId");
        members = List.copyOf(members);
        extensions = List.copyOf(extensions);
    }
}
