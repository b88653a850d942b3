package org.parley.client.keys;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.local.v1.KeyPackageSecrets;
import org.parley.client.net.Session;
import org.parley.client.store.ProfileStore;
import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.credentials.CredentialType;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.keypackages.KeyPackageValidation;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.Lifetime;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CountKeyPackages;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.UploadKeyPackages;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * This device's MLS key packages (RFC 9420 section 10): made with the device's Ed25519 identity
 * key as signature key and a {@link MemberCredential}, their private init and leaf keys kept in the
 * profile by KeyPackageRef, published to the server in batches with one last-resort package, and
 * topped up when the server's count runs low. Also claims and validates other accounts' packages.
 */
public final class KeyPackages {
    /** Parley's one cipher suite: X25519, AES-128-GCM, SHA-256, Ed25519 (the identity key's scheme). */
    public static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    public static final int BATCH = 50;
    /** Below this many one-time packages on the server, a batch is added. */
    public static final int LOW_WATER = 10;
    private static final Duration LIFETIME = Duration.ofDays(90);

    private final ProfileStore store;
    private final DeviceIdentity identity;
    private final SecureRandom random;

    public KeyPackages(ProfileStore store, DeviceIdentity identity, SecureRandom random) {
        this.store = store;
        this.identity = identity;
        this.random = random;
    }

    /** A signed key package whose private keys are now in the profile. */
    public KeyPackage create(boolean lastResort) {
        HpkeKeyPair init = SUITE.generateHpkeKeyPair(random);
        HpkeKeyPair leafKey = SUITE.generateHpkeKeyPair(random);
        SignaturePrivateKey signing = new SignaturePrivateKey(identity.privateIdentityKey());
        Capabilities capabilities = new Capabilities(List.of(ProtocolVersion.MLS10), List.of(SUITE.id()), List.of(),
                List.of(), List.of(CredentialType.BASIC));
        long now = Instant.now().getEpochSecond();
        LeafNode leaf = new LeafNode(leafKey.publicKey(), new SignaturePublicKey(identity.publicIdentityKey()),
                new MemberCredential(identity.username(), identity.accountId(), identity.deviceId()).toCredential(),
                capabilities, LeafNodeSource.KEY_PACKAGE, new Lifetime(now - 3600, now + LIFETIME.toSeconds()),
                null, List.of(), new byte[0]).sign(SUITE, signing, new byte[0], 0);
        KeyPackage unsigned = new KeyPackage(ProtocolVersion.MLS10, SUITE.id(), init.publicKey(), leaf, List.of(), new byte[0]);
        KeyPackage signed = new KeyPackage(ProtocolVersion.MLS10, SUITE.id(), init.publicKey(), leaf, List.of(),
                KeyPackageValidation.sign(unsigned, SUITE, signing));
        store.put(secretName(SUITE.makeKeyPackageRef(signed.toBytes())), KeyPackageSecrets.newBuilder()
                .setInitPrivateKey(ByteString.copyFrom(init.privateKey().bytes()))
                .setEncryptionPrivateKey(ByteString.copyFrom(leafKey.privateKey().bytes()))
                .setLastResort(lastResort).build().toByteArray());
        return signed;
    }

    private static String secretName(byte[] keyPackageRef) {
        return "keypackage:" + HexFormat.of().formatHex(keyPackageRef);
    }

    /** The private keys of one of this device's key packages, or null when unknown (or used up). */
    public KeyPackageSecrets secrets(byte[] keyPackageRef) {
        byte[] bytes = store.get(secretName(keyPackageRef));
        if (bytes == null) {
            return null;
        }
        try {
            return KeyPackageSecrets.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new org.parley.client.store.ProfileException("a key package secret in this profile is damaged", e);
        }
    }

    /** Uploads {@code count} fresh one-time packages and, when asked, a new last-resort package. */
    public void upload(Session session, int count, boolean withLastResort) {
        List<KeyPackage> made = new ArrayList<>();
        store.inTransaction(() -> {
            for (int i = 0; i < count; i++) {
                made.add(create(false));
            }
        });
        UploadKeyPackages.Builder upload = UploadKeyPackages.newBuilder();
        made.forEach(kp -> upload.addKeyPackages(ByteString.copyFrom(kp.toBytes())));
        if (withLastResort) {
            upload.setLastResort(ByteString.copyFrom(create(true).toBytes()));
        }
        session.call(ClientFrame.newBuilder().setUploadKeyPackages(upload));
    }

    /** How many one-time packages the server still holds for this device. */
    public int remaining(Session session) {
        return session.call(ClientFrame.newBuilder().setCountKeyPackages(CountKeyPackages.getDefaultInstance()))
                .getKeyPackageCount().getCount();
    }

    /** Adds a batch when the server's stock is below {@link #LOW_WATER}; returns how many were uploaded. */
    public int topUp(Session session) {
        int left = remaining(session);
        if (left >= LOW_WATER) {
            return 0;
        }
        upload(session, BATCH - left, false);
        return BATCH - left;
    }

    /** A validated key package of another account's device. */
    public record Claimed(byte[] deviceId, KeyPackage keyPackage, MemberCredential member, boolean lastResort) {
        public byte[] identityKey() {
            return keyPackage.leafNode().signatureKey().bytes();
        }
    }

    /**
     * Claims one key package per device of {@code username} and validates each: RFC 9420 section
     * 10.1 checks, and a credential naming the account and device the server says it belongs to.
     *
     * @throws MlsProtocolException when the server hands out a package that fails validation
     */
    public static List<Claimed> claim(Session session, String username) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setClaimKeyPackages(
                ClaimKeyPackages.newBuilder().setUsername(username)));
        byte[] accountId = answer.getClaimedKeyPackages().getAccountId().toByteArray();
        List<Claimed> claimed = new ArrayList<>();
        for (DeviceKeyPackage device : answer.getClaimedKeyPackages().getPackagesList()) {
            KeyPackage kp = TlsReader.decodeExactly(device.getKeyPackage().toByteArray(), KeyPackage::decode, "KeyPackage");
            KeyPackageValidation.validate(kp, ProtocolVersion.MLS10, SUITE, null);
            MemberCredential member = MemberCredential.from(kp.leafNode().credential());
            if (!Arrays.equals(member.accountId(), accountId) || !Arrays.equals(member.deviceId(), device.getDeviceId().toByteArray())
                    || !member.username().equals(username)) {
                throw new MlsProtocolException("a key package of " + username + " names another account or device in its credential");
            }
            claimed.add(new Claimed(device.getDeviceId().toByteArray(), kp, member, device.getLastResort()));
        }
        return claimed;
    }
}
