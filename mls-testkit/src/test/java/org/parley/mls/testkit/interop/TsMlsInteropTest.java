package org.parley.mls.testkit.interop;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.mls.crypto.CipherSuite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Parley's MLS against ts-mls, an independent RFC 9420 implementation, through the Node harness
 * in {@code interop/ts-mls}: groups created by either side, with members of both kinds, Welcome
 * joins, application messages both ways, update and remove commits from both sides, and external
 * joins across the two. After every step all members must report the same epoch and epoch
 * authenticator (RFC 9420 Section 8.7); a mismatch fails with the step and every member's value.
 */
@Tag("interop")
class TsMlsInteropTest {
    private static TsMls harness;

    @BeforeAll
    static void startHarness() {
        harness = TsMls.start();
    }

    @AfterAll
    static void stopHarness() {
        if (harness != null) {
            harness.close();
        }
    }

    static Stream<Arguments> groups() {
        return Stream.of(1, 3).flatMap(suite -> Stream.of(2, 20).flatMap(size -> Stream.of(false, true)
                .map(javaCreates -> Arguments.of(suite, size, javaCreates))));
    }

    private static Participant participant(boolean java, String name, CipherSuite suite) {
        return java ? new Participant.Java(name, suite) : new Participant.Ts(name, suite, harness);
    }

    @ParameterizedTest(name = "suite {0}, {1} members, created by Parley: {2}")
    @MethodSource("groups")
    void mixedGroupAgreesAfterEveryStep(int suiteId, int size, boolean javaCreates) {
        CipherSuite suite = CipherSuite.fromId(suiteId);
        String run = "s" + suiteId + "n" + size + (javaCreates ? "j" : "t") + "-";
        Participant creator = participant(javaCreates, run + "creator", suite);
        List<Participant> others = new ArrayList<>();
        for (int i = 1; i < size; i++) {
            // Alternate kinds, starting with the creator's opposite, so both kinds are mixed at every size.
            others.add(participant(javaCreates == (i % 2 == 0), run + "m" + i, suite));
        }
        List<Participant> group = new ArrayList<>();
        group.add(creator);

        creator.createGroup((run + "group").getBytes(StandardCharsets.UTF_8));
        byte[][] added = creator.add(others.stream().map(Participant::keyPackage).toList());
        for (Participant joiner : others) {
            joiner.join(added[1]);
        }
        group.addAll(others);
        agree("after " + creator + " added " + others.size() + " members and they joined from the Welcome", group);

        Participant other = others.get(0);
        broadcast(other, group);
        broadcast(creator, group);

        deliver(other, other.update(), group);
        agree("after " + other + " committed an update", group);

        Participant extra = participant(javaCreates, run + "extra", suite);
        byte[][] addedExtra = other.add(List.of(extra.keyPackage()));
        deliver(other, addedExtra[0], group);
        extra.join(addedExtra[1]);
        group.add(extra);
        agree("after " + other + " added " + extra, group);
        broadcast(extra, group);

        byte[] removal = other.remove(List.of(extra.name));
        deliver(other, removal, group);
        assertThat(extra.active()).as(extra + " after being removed").isFalse();
        group.remove(extra);
        agree("after " + other + " removed " + extra, group);

        if (size > 2) {
            Participant victim = others.get(others.size() - 1).kind().equals(other.kind())
                    ? others.get(others.size() - 1) : others.get(others.size() - 2);
            byte[] removeVictim = creator.remove(List.of(victim.name));
            deliver(creator, removeVictim, group);
            group.remove(victim);
            agree("after " + creator + " removed " + victim, group);
        }

        deliver(creator, creator.update(), group);
        agree("after " + creator + " committed an update", group);
        for (Participant sender : group) {
            broadcast(sender, group);
        }
        agree("after every member sent a message", group);
    }

    @ParameterizedTest(name = "suite {0}")
    @ValueSource(ints = {1, 3})
    void externalJoinsAcrossImplementations(int suiteId) {
        CipherSuite suite = CipherSuite.fromId(suiteId);
        String run = "ext" + suiteId + "-";
        Participant javaCreator = participant(true, run + "parley-creator", suite);
        Participant tsMember = participant(false, run + "ts-member", suite);
        javaCreator.createGroup((run + "group").getBytes(StandardCharsets.UTF_8));
        tsMember.join(javaCreator.add(List.of(tsMember.keyPackage()))[1]);
        List<Participant> group = new ArrayList<>(List.of(javaCreator, tsMember));
        agree("after " + tsMember + " joined", group);

        Participant tsJoiner = participant(false, run + "ts-external", suite);
        byte[] tsCommit = tsJoiner.externalJoin(javaCreator.groupInfo());
        deliver(tsJoiner, tsCommit, group);
        group.add(tsJoiner);
        agree("after " + tsJoiner + " joined by external commit from Parley's GroupInfo", group);

        Participant javaJoiner = participant(true, run + "parley-external", suite);
        byte[] javaCommit = javaJoiner.externalJoin(tsMember.groupInfo());
        deliver(javaJoiner, javaCommit, group);
        group.add(javaJoiner);
        agree("after " + javaJoiner + " joined by external commit from ts-mls's GroupInfo", group);

        broadcast(tsJoiner, group);
        broadcast(javaJoiner, group);
        deliver(tsJoiner, tsJoiner.update(), group);
        agree("after " + tsJoiner + " committed an update", group);
        broadcast(javaCreator, group);
    }

    /** Delivers a commit made (and merged) by {@code sender} to every other member. */
    private static void deliver(Participant sender, byte[] message, List<Participant> recipients) {
        for (Participant member : recipients) {
            if (member != sender) {
                member.process(message);
            }
        }
    }

    /** {@code sender} encrypts a message; every other member must decrypt exactly it. */
    private static void broadcast(Participant sender, List<Participant> group) {
        byte[] data = ("hello from " + sender + " " + "x".repeat(40)).getBytes(StandardCharsets.UTF_8);
        byte[] message = sender.send(data);
        for (Participant member : group) {
            if (member != sender) {
                assertThat(member.process(message)).as(member + " decrypting the message of " + sender).isEqualTo(data);
            }
        }
    }

    private static void agree(String step, List<Participant> group) {
        List<String> values = group.stream()
                .map(m -> m + ": epoch " + m.epoch() + ", epoch_authenticator " + HexFormat.of().formatHex(m.epochAuthenticator()))
                .toList();
        long distinct = values.stream().map(v -> v.substring(v.indexOf(": ") + 2)).distinct().count();
        if (distinct != 1) {
            fail("members disagree " + step + ":\n  " + values.stream().collect(Collectors.joining("\n  ")));
        }
    }
}
