package org.parley.client.keys;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * This device's MLS key packages (RFC 9420 section 10), made with the device's Ed25519 identity
 * key as signature key and a {@link MemberCredential}: the private halves are kept in the profile
 * by KeyPackageRef (section 5.2) until a Welcome uses them; batches are published with one
 * last-resort package and topped up when the server's count runs low. Also claims other
 * accounts' packages and keeps only devices their account key certifies.
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
    /** Room for clocks behind this device's: a package is valid from an hour before it was made, or earlier. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final long DAY_SECONDS = Duration.ofDays(1).toSeconds();
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
        return new MemberCredential(identity.username(), Bytes.copyOf(identity.accountId()), Bytes.copyOf(identity.deviceId()),
                Bytes.copyOf(identity.accountKey()), Bytes.copyOf(identity.deviceCertificate()));
    }

    /** A signed key package whose private keys are now in the profile. */
    public KeyPackageBundle create(boolean lastResort) {
        KeyPackageBundle bundle = KeyPackageBundle.create(SUITE, credential().toCredential(), signatureKeys(),
                lifetime(clock.instant()), CAPABILITIES, random);
        String ref = HexFormat.of().formatHex(SUITE.makeKeyPackageRef(bundle.keyPackage().toBytes()));
        store.put(secretName(ref), bundle.privateBytes());
        if (lastResort) {
            store.put(LAST_RESORT + ref, new byte[] {1});
        }
        return bundle;
    }

    /**
     * The lifetime (RFC 9420 section 7.2) of a package made at {@code now}: from the start of the
     * UTC day an hour before {@code now}, for {@link #LIFETIME}. The server hands packages out and
     * anyone may claim them, so their times say no more than the day this device was active.
     */
    static Lifetime lifetime(Instant now) {
        // Never before 1970: lifetimes are unsigned (uint64).
        long notBefore = Math.max(0, Math.floorDiv(now.getEpochSecond() - CLOCK_SKEW.toSeconds(), DAY_SECONDS) * DAY_SECONDS);
        return new Lifetime(notBefore, notBefore + LIFETIME.toSeconds());
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
     * @param member its credential, whose account and device are the ones the server named and whose
     *               account key certifies the package's signature key
     */
    public record Claimed(Bytes keyPackageMessage, KeyPackage keyPackage, MemberCredential member, boolean lastResort) {
        public byte[] identityKey() {
            return keyPackage.leafNode().signatureKey().bytes();
        }
    }

    /**
     * What a claim of one account's key packages gave: the devices that passed every check, the
     * devices the server listed that did not (never to be added), and what the account key that
     * certifies the kept ones means to this device (null when none was kept or for this account).
     */
    public record Claim(List<Claimed> devices, List<Bytes> refused, Contacts.Observation observation) {
        public Claim {
            devices = List.copyOf(devices);
            refused = List.copyOf(refused);
        }
    }

    /**
     * Claims one key package per device of {@code username} and keeps only the devices whose
     * package passes RFC 9420 section 10.1's checks, names the account and device the server says it
     * belongs to, and carries a certificate by the account key. The kept devices share one account
     * key: the one pinned in {@code contacts} when any device has it, otherwise the one they all
     * carry, which is then pinned (trust on first use) or reported as a change. The pin is
     * confirmed ({@link Contacts#confirm}): the server is the one that says which account a
     * username is.
     */
    public static Claim claim(Session session, String username, Contacts contacts) {
        List<Claimed> offered = new ArrayList<>();
        List<Bytes> refused = new ArrayList<>();
        fetchCertified(session, username, offered, refused);
        Bytes pinned = contacts.pinnedKey(username);
        Bytes key = pinned != null && offered.stream().anyMatch(c -> c.member().accountKey().equals(pinned)) ? pinned
                : offered.stream().map(c -> c.member().accountKey()).distinct().count() == 1 ? offered.get(0).member().accountKey()
                : null;
        List<Claimed> kept = keepCertifiedBy(key, offered, refused);
        Contacts.Observation observation = kept.isEmpty() ? null
                : contacts.confirm(username, kept.get(0).member().account(), key);
        return new Claim(kept, refused, observation);
    }

    /** As {@link #claim}, for this account's own devices: only those that this account's key certifies. */
    public static Claim claimOwn(Session session, DeviceIdentity identity) {
        List<Claimed> offered = new ArrayList<>();
        List<Bytes> refused = new ArrayList<>();
        fetchCertified(session, identity.username(), offered, refused);
        offered.removeIf(c -> {
            boolean foreign = !c.member().account().constantTimeEquals(identity.accountId());
            if (foreign) {
                refused.add(c.member().device());
            }
            return foreign;
        });
        return new Claim(keepCertifiedBy(Bytes.copyOf(identity.accountKey()), offered, refused), refused, null);
    }

    private static List<Claimed> keepCertifiedBy(Bytes accountKey, List<Claimed> offered, List<Bytes> refused) {
        List<Claimed> kept = new ArrayList<>();
        for (Claimed claimed : offered) {
            if (accountKey != null && claimed.member().accountKey().constantTimeEquals(accountKey.toByteArray())) {
                kept.add(claimed);
            } else {
                refused.add(claimed.member().device());
            }
        }
        return kept;
    }

    /** Claims and checks every device's package; each one that fails goes to {@code refused} by its device id. */
    private static void fetchCertified(Session session, String username, List<Claimed> certified, List<Bytes> refused) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setClaimKeyPackages(
                ClaimKeyPackages.newBuilder().setUsername(username)));
        Bytes account = Bytes.copyOf(answer.getClaimedKeyPackages().getAccountId().toByteArray());
        for (DeviceKeyPackage device : answer.getClaimedKeyPackages().getPackagesList()) {
            Bytes deviceId = Bytes.copyOf(device.getDeviceId().toByteArray());
            byte[] message = device.getKeyPackage().toByteArray();
            try {
                KeyPackage kp = KeyPackageBundle.decodePublic(message);
                KeyPackageValidation.validate(kp, ProtocolVersion.MLS10, SUITE, null);
                MemberCredential member = MemberCredential.from(kp.leafNode().credential());
                if (member.account().equals(account) && member.device().equals(deviceId) && member.username().equals(username)
                        && member.certifies(kp.leafNode().signatureKey())) {
                    certified.add(new Claimed(Bytes.copyOf(message), kp, member, device.getLastResort()));
                    continue;
                }
            } catch (MlsProtocolException e) {
                // A package that does not even parse is refused like one without a valid certificate.
            }
            refused.add(deviceId);
        }
    }
}
