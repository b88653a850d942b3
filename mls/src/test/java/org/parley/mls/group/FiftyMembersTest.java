package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.group.ProcessedMessage.ApplicationMessage;
import org.parley.mls.group.ProcessedMessage.CommitApplied;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 3's group test: 50 members reached through adds (Welcome), external joins, removes,
 * updates, proposals committed by reference and application messages, in a seeded random
 * interleaving. Every Commit is delivered in order to every current member; after every step
 * all members agree on epoch, epoch authenticator and membership, and every application message
 * decrypts at every other member.
 */
class FiftyMembersTest {
    private static final CipherSuite SUITE = CipherSuite.fromId(1);
    private static final int TARGET = 50;

    private final Random choices = new Random(20261128);
    private final GroupConfig config = GroupConfig.defaults(seeded(20261128));
    private final List<Group> members = new ArrayList<>();
    private int joined;
    private int messages;

    private static SecureRandom seeded(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fiftyMembersAgreeAfterEveryStep() {
        members.add(Group.create(config, SUITE, "fifty".getBytes(StandardCharsets.UTF_8), credential(), SUITE.generateSignatureKeyPair(config.random()), List.of()));
        int steps = 0;
        int[] counts = new int[6];
        while (members.size() < TARGET || steps < 120) {
            int op = members.size() >= TARGET ? 2 + choices.nextInt(4) : choices.nextInt(6);
            if (op == 2 && members.size() < 4 || op == 2 && members.size() >= TARGET && steps >= 118) {
                op = 3;
            }
            switch (op) {
                case 0 -> addByWelcome(1 + choices.nextInt(3));
                case 1 -> joinExternally();
                case 2 -> remove(1 + choices.nextInt(2));
                case 3 -> update();
                case 4 -> proposeAndCommitByReference();
                default -> sendMessage();
            }
            counts[op]++;
            steps++;
            assertAllAgree();
            sendMessage();
        }
        System.out.printf("50-member test: %d steps (adds %d, external joins %d, removes %d, updates %d, by-reference %d, "
                        + "messages %d), %d joined in total, final epoch %d%n", steps, counts[0], counts[1], counts[2],
                counts[3], counts[4], messages, joined, members.get(0).epoch());
        assertThat(members).hasSize(TARGET);
        assertThat(members.get(0).members()).hasSize(TARGET);
    }

    private org.parley.mls.credentials.BasicCredential credential() {
        joined++;
        return GroupTest.credential("member-" + joined);
    }

    private Group randomMember() {
        return members.get(choices.nextInt(members.size()));
    }

    /** Delivers a Commit to every member but its sender, then the sender merges it. */
    private void deliver(Group committer, CommitResult result) {
        for (Group g : members) {
            if (g != committer) {
                assertThat(g.process(result.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
            }
        }
        committer.mergePendingCommit(result.pending());
    }

    private void addByWelcome(int count) {
        Group committer = randomMember();
        List<KeyPackageBundle> bundles = new ArrayList<>();
        for (int i = 0; i < count && members.size() + bundles.size() < TARGET; i++) {
            bundles.add(KeyPackageBundle.create(SUITE, credential(), SUITE.generateSignatureKeyPair(config.random()), null,
                    config.random()));
        }
        CommitResult result = committer.addMembers(bundles.stream().map(KeyPackageBundle::publicBytes).toList());
        deliver(committer, result);
        for (KeyPackageBundle kp : bundles) {
            members.add(Group.joinFromWelcome(config, result.welcome().orElseThrow().toByteArray(), kp, null));
        }
    }

    private void joinExternally() {
        Group publisher = randomMember();
        ExternalJoin join = Group.joinByExternalCommit(config, publisher.groupInfo(true), null, credential(),
                SUITE.generateSignatureKeyPair(config.random()));
        for (Group g : members) {
            assertThat(g.process(join.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        }
        members.add(join.group());
    }

    private void remove(int count) {
        Group committer = randomMember();
        List<Group> victims = new ArrayList<>();
        while (victims.size() < count) {
            Group victim = randomMember();
            if (victim != committer && !victims.contains(victim)) {
                victims.add(victim);
            }
        }
        CommitResult result = committer.removeMembers(victims.stream().map(Group::ownLeafIndex).toList());
        deliver(committer, result);
        for (Group victim : victims) {
            assertThat(victim.isActive()).isFalse();
        }
        members.removeAll(victims);
    }

    private void update() {
        Group committer = randomMember();
        deliver(committer, committer.update());
    }

    /** One member proposes an update, another an add; a third commits both by reference. */
    private void proposeAndCommitByReference() {
        Group updater = randomMember();
        List<Group> senders = new ArrayList<>();
        List<byte[]> proposals = new ArrayList<>();
        senders.add(updater);
        proposals.add(updater.proposeUpdate());
        KeyPackageBundle newcomer = null;
        if (members.size() < TARGET) {
            newcomer = KeyPackageBundle.create(SUITE, credential(), SUITE.generateSignatureKeyPair(config.random()), null,
                    config.random());
            Group adder = randomMember();
            senders.add(adder);
            proposals.add(adder.proposeAdd(newcomer.publicBytes()));
        }
        for (int i = 0; i < proposals.size(); i++) {
            for (Group g : members) {
                if (g != senders.get(i)) {
                    g.process(proposals.get(i));
                }
            }
        }
        Group committer = randomMember();
        if (committer == updater) {
            committer = members.get((members.indexOf(updater) + 1) % members.size());
        }
        CommitResult result = committer.commitPendingProposals();
        deliver(committer, result);
        if (newcomer != null) {
            members.add(Group.joinFromWelcome(config, result.welcome().orElseThrow().toByteArray(), newcomer, null));
        }
    }

    private void sendMessage() {
        Group sender = randomMember();
        byte[] text = ("message " + messages++ + " from " + sender.ownLeafIndex()).getBytes(StandardCharsets.UTF_8);
        byte[] ciphertext = sender.encrypt(text);
        for (Group g : members) {
            if (g != sender) {
                ApplicationMessage received = (ApplicationMessage) g.process(ciphertext);
                assertThat(received.data().toByteArray()).isEqualTo(text);
                assertThat(received.sender().leafIndex()).isEqualTo(sender.ownLeafIndex());
            }
        }
    }

    private void assertAllAgree() {
        Group first = members.get(0);
        byte[] authenticator = first.epochAuthenticator();
        int size = first.members().size();
        assertThat(size).isEqualTo(members.size());
        for (Group g : members) {
            assertThat(g.epoch()).isEqualTo(first.epoch());
            assertThat(g.epochAuthenticator()).isEqualTo(authenticator);
        }
    }
}
