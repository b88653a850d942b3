package org.parley.mls.group;

import org.parley.mls.codec.TlsWriter;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.tree.Parallelism;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * What a {@link Group} needs from its environment: the random source, the PSK store and any
 * threads it may use (all injected: the group touches no files or clocks and starts no threads),
 * and how it sends messages.
 *
 * @param random               every key, nonce, reuse guard and path secret comes from here
 * @param pskStore             external and foreign resumption PSKs
 * @param paddingBlock         the encrypted content of every PrivateMessage (PrivateMessageContent) is padded to a
 *                             multiple of this many bytes, hiding exact lengths (1 = no padding)
 * @param encryptHandshake     send this member's proposals and commits as PrivateMessage (true) or PublicMessage
 * @param ratchetTreeInWelcome include the ratchet_tree extension in Welcome GroupInfos, so joiners need no tree out of band
 * @param parallelism          threads lent for checks independent per member (a joiner's leaf signatures)
 * @param newMemberProposals   accept an Add that a non-member sends for itself (SenderType new_member_proposal,
 *                             RFC 9420 Section 12.1.8). Off by default: only members propose, so nobody who merely
 *                             knows a group's id and epoch can queue their own Add for the next commit
 * @param policy               the application's rules for members and Commits (credential validation, roles)
 */
public record GroupConfig(SecureRandom random, PskStore pskStore, int paddingBlock, boolean encryptHandshake,
                          boolean ratchetTreeInWelcome, Parallelism parallelism, boolean newMemberProposals, GroupPolicy policy) {
    public GroupConfig {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(pskStore, "pskStore");
        Objects.requireNonNull(parallelism, "parallelism");
        Objects.requireNonNull(policy, "policy");
        if (paddingBlock < 1 || paddingBlock > 1 << 16) {
            throw new IllegalArgumentException("padding block must be 1 to 65536 bytes, was " + paddingBlock);
        }
    }

    /**
     * Defaults: no PSKs, padding to 32 bytes, encrypted handshakes, ratchet tree in Welcomes, the
     * calling thread only, proposals from members only, no application policy.
     */
    public static GroupConfig defaults(SecureRandom random) {
        return new GroupConfig(random, PskStore.NONE, 32, true, true, Parallelism.NONE, false, GroupPolicy.ACCEPT_ALL);
    }

    public GroupConfig withPskStore(PskStore store) {
        return new GroupConfig(random, store, paddingBlock, encryptHandshake, ratchetTreeInWelcome, parallelism, newMemberProposals, policy);
    }

    public GroupConfig withPaddingBlock(int block) {
        return new GroupConfig(random, pskStore, block, encryptHandshake, ratchetTreeInWelcome, parallelism, newMemberProposals, policy);
    }

    public GroupConfig withEncryptHandshake(boolean encrypt) {
        return new GroupConfig(random, pskStore, paddingBlock, encrypt, ratchetTreeInWelcome, parallelism, newMemberProposals, policy);
    }

    public GroupConfig withRatchetTreeInWelcome(boolean include) {
        return new GroupConfig(random, pskStore, paddingBlock, encryptHandshake, include, parallelism, newMemberProposals, policy);
    }

    public GroupConfig withParallelism(Parallelism lent) {
        return new GroupConfig(random, pskStore, paddingBlock, encryptHandshake, ratchetTreeInWelcome, lent, newMemberProposals, policy);
    }

    public GroupConfig withNewMemberProposals(boolean accept) {
        return new GroupConfig(random, pskStore, paddingBlock, encryptHandshake, ratchetTreeInWelcome, parallelism, accept, policy);
    }

    public GroupConfig withPolicy(GroupPolicy rules) {
        return new GroupConfig(random, pskStore, paddingBlock, encryptHandshake, ratchetTreeInWelcome, parallelism, newMemberProposals, rules);
    }

    /** Zero bytes to append so that the PrivateMessageContent of {@code content} fills a multiple of the block (Section 6.3.1). */
    int paddingFor(AuthenticatedContent content) {
        TlsWriter w = new TlsWriter(256);
        byte[] body = content.content().body();
        if (content.content().contentType() == ContentType.APPLICATION) {
            w.writeOpaque(body);
        } else {
            w.writeFixed(body);
        }
        content.auth().writeTo(w, content.content().contentType());
        return (paddingBlock - w.size() % paddingBlock) % paddingBlock;
    }
}
