package org.parley.mls.testkit.interop;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.Bytes;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.ExternalJoin;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.Member;
import org.parley.mls.group.ProcessedMessage;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A group member in the interop tests: Parley's {@link Group} or a member held by the ts-mls
 * harness, behind the same operations. Identities are the basic credentials' UTF-8 names.
 */
abstract sealed class Participant {
    final String name;
    final CipherSuite suite;

    Participant(String name, CipherSuite suite) {
        this.name = name;
        this.suite = suite;
    }

    /** A fresh KeyPackage as an MLSMessage. */
    abstract byte[] keyPackage();

    abstract void createGroup(byte[] groupId);

    /** A Commit adding the KeyPackages, already merged here; returns {commit, welcome}. */
    abstract byte[][] add(List<byte[]> keyPackages);

    /** A Commit removing the members with these identities, merged here. */
    abstract byte[] remove(List<String> identities);

    /** A Commit with an UpdatePath only, merged here. */
    abstract byte[] update();

    abstract void join(byte[] welcome);

    /** Processes a handshake or application message; returns the application data or null. */
    abstract byte[] process(byte[] message);

    abstract byte[] send(byte[] data);

    abstract byte[] groupInfo();

    /** Joins by external Commit from a GroupInfo carrying the tree and external_pub; returns the Commit. */
    abstract byte[] externalJoin(byte[] groupInfo);

    abstract byte[] epochAuthenticator();

    abstract long epoch();

    abstract boolean active();

    String kind() {
        return this instanceof Java ? "Parley" : "ts-mls";
    }

    @Override
    public String toString() {
        return name + " (" + kind() + ")";
    }

    static final class Java extends Participant {
        private final SecureRandom random = new SecureRandom();
        private final GroupConfig config = GroupConfig.defaults(random);
        private KeyPackageBundle bundle;
        private Group group;

        Java(String name, CipherSuite suite) {
            super(name, suite);
        }

        Group group() {
            return group;
        }

        private BasicCredential credential() {
            return new BasicCredential(name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        byte[] keyPackage() {
            bundle = KeyPackageBundle.create(suite, credential(), suite.generateSignatureKeyPair(random), null, random);
            return bundle.publicBytes();
        }

        @Override
        void createGroup(byte[] groupId) {
            group = Group.create(config, suite, groupId, credential(), suite.generateSignatureKeyPair(random), List.of());
        }

        private byte[][] merge(CommitResult result) {
            group.mergePendingCommit(result.pending());
            return new byte[][] {result.commitMessage().toByteArray(), result.welcome().map(Bytes::toByteArray).orElse(null)};
        }

        @Override
        byte[][] add(List<byte[]> keyPackages) {
            return merge(group.addMembers(keyPackages));
        }

        @Override
        byte[] remove(List<String> identities) {
            List<Integer> leaves = group.members().stream()
                    .filter(m -> identities.contains(identity(m)))
                    .map(Member::leafIndex).toList();
            if (leaves.size() != identities.size()) {
                throw new AssertionError(name + " does not see all of " + identities + " in the group");
            }
            return merge(group.removeMembers(leaves))[0];
        }

        private static String identity(Member member) {
            return new String(((BasicCredential) member.credential()).identity().toByteArray(), StandardCharsets.UTF_8);
        }

        @Override
        byte[] update() {
            return merge(group.update())[0];
        }

        @Override
        void join(byte[] welcome) {
            group = Group.joinFromWelcome(config, welcome, bundle, null);
        }

        @Override
        byte[] process(byte[] message) {
            ProcessedMessage processed = group.process(message);
            return processed instanceof ProcessedMessage.ApplicationMessage app ? app.data().toByteArray() : null;
        }

        @Override
        byte[] send(byte[] data) {
            return group.encrypt(data);
        }

        @Override
        byte[] groupInfo() {
            return group.groupInfo(true);
        }

        @Override
        byte[] externalJoin(byte[] groupInfo) {
            ExternalJoin join = Group.joinByExternalCommit(config, groupInfo, null, credential(),
                    suite.generateSignatureKeyPair(random));
            group = join.group();
            return join.commitMessage().toByteArray();
        }

        @Override
        byte[] epochAuthenticator() {
            return group.epochAuthenticator();
        }

        @Override
        long epoch() {
            return group.epoch();
        }

        @Override
        boolean active() {
            return group.isActive();
        }
    }

    static final class Ts extends Participant {
        private final TsMls harness;
        private boolean active = true;

        Ts(String name, CipherSuite suite, TsMls harness) {
            super(name, suite);
            this.harness = harness;
        }

        private JsonNode call(String command, Object... keyValues) {
            Object[] all = Arrays.copyOf(keyValues, keyValues.length + 2);
            all[keyValues.length] = "member";
            all[keyValues.length + 1] = name;
            return harness.call(command, all);
        }

        @Override
        byte[] keyPackage() {
            return TsMls.hex(call("keyPackage", "suite", suite.id()), "keyPackage");
        }

        @Override
        void createGroup(byte[] groupId) {
            call("createGroup", "suite", suite.id(), "groupId", groupId);
        }

        @Override
        byte[][] add(List<byte[]> keyPackages) {
            JsonNode r = call("add", "keyPackages", keyPackages.stream().map(HexFormat.of()::formatHex).toList());
            return new byte[][] {TsMls.hex(r, "commit"), TsMls.hex(r, "welcome")};
        }

        @Override
        byte[] remove(List<String> identities) {
            return TsMls.hex(call("remove", "identities", identities), "commit");
        }

        @Override
        byte[] update() {
            return TsMls.hex(call("update"), "commit");
        }

        @Override
        void join(byte[] welcome) {
            call("join", "welcome", welcome);
        }

        @Override
        byte[] process(byte[] message) {
            JsonNode r = call("process", "message", message);
            if (r.has("active")) {
                active = r.get("active").asBoolean();
            }
            return r.has("application") ? TsMls.hex(r, "application") : null;
        }

        @Override
        byte[] send(byte[] data) {
            return TsMls.hex(call("send", "data", data), "message");
        }

        @Override
        byte[] groupInfo() {
            return TsMls.hex(call("groupInfo"), "groupInfo");
        }

        @Override
        byte[] externalJoin(byte[] groupInfo) {
            return TsMls.hex(call("externalJoin", "suite", suite.id(), "groupInfo", groupInfo), "commit");
        }

        @Override
        byte[] epochAuthenticator() {
            return TsMls.hex(call("status"), "epochAuthenticator");
        }

        @Override
        long epoch() {
            return call("status").get("epoch").asLong();
        }

        @Override
        boolean active() {
            return active;
        }
    }
}
