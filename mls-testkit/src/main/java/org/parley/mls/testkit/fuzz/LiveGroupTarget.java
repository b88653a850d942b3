package org.parley.mls.testkit.fuzz;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Group#process} of a live three-member group (RFC 9420 Sections 6 and 12) under fuzz.
 * The receiver, bob, is restored from his saved state for every input. An input he rejects
 * must leave his state byte-for-byte as saved and his epoch authenticator unchanged, and he
 * must still decrypt a genuine application message afterwards; an input he accepts must be
 * one of the genuine messages (everything else is covered by a MAC, an AEAD or a signature).
 *
 * <p>The seeds are real messages for bob's epoch: application messages, proposals and commits
 * (add, remove, update) as PrivateMessage and PublicMessage, a Welcome, a GroupInfo and an
 * external commit. Randomness comes from a seeded DRBG, so a minimized input reproduces.
 */
public final class LiveGroupTarget implements FuzzTarget {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    private final GroupConfig config;
    private final byte[] savedBob;
    private final byte[] bobAuthenticator;
    private final byte[] probe;
    private final List<byte[]> genuine;

    private LiveGroupTarget(GroupConfig config, byte[] savedBob, byte[] bobAuthenticator, byte[] probe, List<byte[]> genuine) {
        this.config = config;
        this.savedBob = savedBob;
        this.bobAuthenticator = bobAuthenticator;
        this.probe = probe;
        this.genuine = genuine;
    }

    /** Builds the group (alice creates, adds bob and carol; one update) and the seed messages for bob. */
    public static List<FuzzSeed> seeds(long randomSeed) {
        SecureRandom random = deterministic(randomSeed);
        GroupConfig privateHandshakes = GroupConfig.defaults(random);
        GroupConfig publicHandshakes = privateHandshakes.withEncryptHandshake(false);
        Group alice = Group.create(privateHandshakes, SUITE, "fuzz group".getBytes(StandardCharsets.UTF_8), credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle bobKeys = bundle("bob", random);
        KeyPackageBundle carolKeys = bundle("carol", random);
        CommitResult added = alice.addMembers(List.of(bobKeys.publicBytes(), carolKeys.publicBytes()));
        alice.mergePendingCommit(added.pending());
        Group bob = Group.joinFromWelcome(privateHandshakes, added.welcomeMessage().toByteArray(), bobKeys, null);
        Group carol = Group.joinFromWelcome(publicHandshakes, added.welcomeMessage().toByteArray(), carolKeys, null);
        CommitResult update = alice.update();
        alice.mergePendingCommit(update.pending());
        bob.process(update.commitMessage().toByteArray());
        carol.process(update.commitMessage().toByteArray());

        List<byte[]> messages = new ArrayList<>();
        byte[] probe = alice.encrypt("probe".getBytes(StandardCharsets.UTF_8));
        messages.add(carol.encrypt(new byte[1024]));
        messages.add(alice.encrypt("hello bob".getBytes(StandardCharsets.UTF_8), "aad".getBytes(StandardCharsets.UTF_8)));
        CommitResult addErin = carol.addMembers(List.of(bundle("erin", random).publicBytes()));
        messages.add(addErin.commitMessage().toByteArray());
        messages.add(addErin.welcomeMessage().toByteArray());
        messages.add(alice.removeMembers(List.of(carol.ownLeafIndex())).commitMessage().toByteArray());
        messages.add(alice.update().commitMessage().toByteArray());
        messages.add(carol.update().commitMessage().toByteArray());
        // Proposals last: a sender's later commits would include its own pending proposals by reference.
        messages.add(alice.proposeUpdate());
        messages.add(carol.proposeRemove(0));
        messages.add(carol.proposeAdd(bundle("dave", random).publicBytes()));
        byte[] groupInfo = alice.groupInfo(true);
        messages.add(groupInfo);
        messages.add(Group.joinByExternalCommit(publicHandshakes, groupInfo, null, credential("frank"),
                SUITE.generateSignatureKeyPair(random)).commitMessage().toByteArray());

        LiveGroupTarget target = new LiveGroupTarget(privateHandshakes, bob.toBytes(), bob.epochAuthenticator(), probe,
                List.copyOf(messages));
        target.requireGenuineAccepted();
        return messages.stream().map(m -> new FuzzSeed(target, m)).toList();
    }

    private static SecureRandom deterministic(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA1PRNG is part of every JDK", e);
        }
    }

    private static BasicCredential credential(String name) {
        return new BasicCredential(name.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPackageBundle bundle(String name, SecureRandom random) {
        return KeyPackageBundle.create(SUITE, credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    /** The seeds must be real messages bob takes (except the Welcome and GroupInfo, which process() refuses). */
    private void requireGenuineAccepted() {
        int accepted = 0;
        for (byte[] message : genuine) {
            try {
                Group.fromBytes(config, savedBob).process(message);
                accepted++;
            } catch (MlsProtocolException e) {
                // The Welcome and the GroupInfo are not for process().
            }
        }
        if (accepted != genuine.size() - 2) {
            throw new IllegalStateException("bob accepts only " + accepted + " of " + (genuine.size() - 2) + " genuine messages");
        }
    }

    @Override
    public String name() {
        return "Group.process";
    }

    @Override
    public void run(byte[] input) {
        Group bob = Group.fromBytes(config, savedBob);
        try {
            bob.process(input);
        } catch (MlsProtocolException rejected) {
            if (!Arrays.equals(bob.toBytes(), savedBob) || !Arrays.equals(bob.epochAuthenticator(), bobAuthenticator)) {
                throw new PropertyViolation("a rejected message changed the group state: " + rejected.getMessage());
            }
            try {
                bob.process(probe);
            } catch (MlsProtocolException e) {
                throw new PropertyViolation("after a rejected message a genuine one no longer decrypts: " + e.getMessage());
            }
            throw rejected;
        }
        if (!Arrays.equals(input, probe) && genuine.stream().noneMatch(g -> Arrays.equals(g, input))) {
            throw new PropertyViolation("a changed message was accepted");
        }
    }

    @Override
    public long allocationPerInputByte() {
        // Restoring and re-serializing the whole group state is part of every input.
        return 4096;
    }
}
