package org.parley.client.keys;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.net.Session;
import org.parley.client.store.ProfileStore;
import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.keypackages.KeyPackageValidation;
import org.parley.mls.tree.Lifetime;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CountKeyPackages;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.UploadKeyPackages;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * This device's MLS key packages (RFC 9420 section 10), made with the device's Ed25519 identity
 * key as signature key and a {@link MemberCredential}: the private halves are kept in the profile
 * by KeyPackageRef (section 5.2) until a Welcome uses them; batches are published with one
 * last-resort package and topped up when the server's count runs low. Also claims and validates
 * other accounts' packages.
 */
public final class KeyPackages {
    /** Parley's one cipher suite: X25519, AES-128-GCM, SHA-256, Ed25519 (the identity key's scheme). */
    public static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    /**
     * The group context extension holding a conversation's settings (name, 1:1 accounts, admins;
     * content.proto GroupSettings), a private-use type (RFC 9420 section 17.3).
     */
    public static final int GROUP_SETTINGS_EXTENSION = 0xF0A0;
    /** What this client's leaves declare: the defaults and the group settings extension, which every member must support. */
    public static final Capabilities CAPABILITIES = KeyPackageBundle.capabilities(SUITE, List.of(GROUP_SETTINGS_EXTENSION));
    public static final int BATCH = 50;
    /** Below this many one-time packages on the server, a batch is added. */
    public static final int LOW_WATER = 10;
    private static final Duration LIFETIME = Duration.ofDays(90);
    private static final String LAST_RESORT = "keypackage-last-resort:";

    private final ProfileStore store;
    private final DeviceIdentity identity;
    private final SecureRandom random;
    private final Clock clock;

    /** Key packages of this device; their lifetimes start from {@code clock}'s time. */
    public KeyPackages(ProfileStore store, DeviceIdentity identity, SecureRandom random, Clock clock) {
        this.store = store;
        this.identity = identity;
        this.random = random;
        this.clock = clock;
    }

    /** This device's MLS signature key pair: its identity key. */
    public SignatureKeyPair signatureKeys() {
        return new SignatureKeyPair(new SignaturePrivateKey(identity.privateIdentityKey()),
                new SignaturePublicKey(identity.publicIdentityKey()));
    }

    public MemberCredential credential() {
        return new MemberCredential(identity.username(), Bytes.copyOf(identity.accountId()), Bytes.copyOf(identity.deviceId()));
    }

    /** A signed key package whose private keys are now in the profile. */
    public KeyPackageBundle create(boolean lastResort) {
        long now = clock.instant().getEpochSecond();
        KeyPackageBundle bundle = KeyPackageBundle.create(SUITE, credential().toCredential(), signatureKeys(),
                new Lifetime(now - 3600, now + LIFETIME.toSeconds()), CAPABILITIES, random);
        String ref = HexFormat.of().formatHex(SUITE.makeKeyPackageRef(bundle.keyPackage().toBytes()));
        store.put(secretName(ref), bundle.privateBytes());
        if (lastResort) {
            store.put(LAST_RESORT + ref, new byte[] {1});
        }
        return bundle;
    }

    private static String secretName(String refHex) {
        return "keypackage:" + refHex;
    }

    /** The bundle a Welcome names by KeyPackageRef, or null when this device has none. */
    public KeyPackageBundle bundle(Bytes keyPackageRef) {
        byte[] bytes = store.get(secretName(keyPackageRef.toHex()));
        return bytes == null ? null : KeyPackageBundle.fromPrivateBytes(bytes);
    }

    /** Forgets a used one-time package (its keys must not serve a second Welcome); last-resort ones stay. */
    public void consumed(Bytes keyPackageRef) {
        String ref = keyPackageRef.toHex();
        if (store.get(LAST_RESORT + ref) == null) {
            store.delete(secretName(ref));
        }
    }

    /** Uploads {@code count} fresh one-time packages and, when asked, a new last-resort package. */
    public void upload(Session session, int count, boolean withLastResort) {
        UploadKeyPackages.Builder upload = UploadKeyPackages.newBuilder();
        store.inTransaction(() -> {
            for (int i = 0; i < count; i++) {
                upload.addKeyPackages(ByteString.copyFrom(create(false).publicBytes()));
            }
            if (withLastResort) {
                upload.setLastResort(ByteString.copyFrom(create(true).publicBytes()));
            }
        });
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

    /**
     * A validated key package of another device.
     *
     * @param keyPackageMessage the MLSMessage to add it with
     * @param member its credential, whose account and device are the ones the server named
     */
    public record Claimed(Bytes keyPackageMessage, KeyPackage keyPackage, MemberCredential member, boolean lastResort) {
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
        Bytes account = Bytes.copyOf(answer.getClaimedKeyPackages().getAccountId().toByteArray());
        List<Claimed> claimed = new ArrayList<>();
        for (DeviceKeyPackage device : answer.getClaimedKeyPackages().getPackagesList()) {
            byte[] message = device.getKeyPackage().toByteArray();
            KeyPackage kp = KeyPackageBundle.decodePublic(message);
            KeyPackageValidation.validate(kp, ProtocolVersion.MLS10, SUITE, null);
            MemberCredential member = MemberCredential.from(kp.leafNode().credential());
            if (!member.account().equals(account) || !member.device().equals(Bytes.copyOf(device.getDeviceId().toByteArray()))
                    || !member.username().equals(username)) {
                throw new MlsProtocolException("a key package of " + username + " names another account or device in its credential");
            }
            claimed.add(new Claimed(Bytes.copyOf(message), kp, member, device.getLastResort()));
        }
        return claimed;
    }
}
