package org.parley.client.account;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.parley.client.net.Connection;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.Dialer;
import org.parley.client.net.Endpoint;
import org.parley.client.net.Route;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;
import org.parley.client.local.v1.Provisioning;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.Authenticated;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Device;
import org.parley.protocol.v1.InspectLink;
import org.parley.protocol.v1.LinkPending;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Account and device flows: registering the first device of a new account (which creates the
 * account's identity key), linking further devices (the new device requests a code that a
 * signed-in device checks and approves, sealing the account key and the new device's certificate
 * to it), listing and removing devices. A device's identity is saved in the profile only once the
 * server has accepted it and its certificate checks out, so a failed attempt leaves the profile as it was.
 */
public final class Accounts {
    private Accounts() {
    }

    /** A device of this account as the server lists it: a hint, never proof that the account signed it. */
    public record DeviceInfo(Bytes deviceId, Bytes identityKey, long createdDay, boolean thisDevice) {
    }

    /**
     * Creates the account {@code username} with this profile's first device, and the account's
     * identity key, which certifies this device's key.
     *
     * @throws ProfileException when the profile already holds a device
     * @throws ServerException  when the server refuses (name taken, invite required, rate limit)
     */
    public static DeviceIdentity register(ProfileStore store, ServerAddress server, String username, String inviteCode,
                                          SecureRandom random, Duration timeout) {
        return register(store, Endpoint.direct(server), Route.DIRECT, username, inviteCode, random, timeout);
    }

    /** As {@link #register(ProfileStore, ServerAddress, String, String, SecureRandom, Duration)}, to {@code server} along {@code route}. */
    public static DeviceIdentity register(ProfileStore store, Endpoint server, Route route, String username, String inviteCode,
                                          SecureRandom random, Duration timeout) {
        requireEmpty(store);
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        Ed25519PrivateKeyParameters accountKey = new Ed25519PrivateKeyParameters(random);
        byte[] profileKey = new byte[32];
        random.nextBytes(profileKey);
        MailboxKey mailboxKey = MailboxKey.generate();
        ServerFrame answer = signIn(server, route, timeout, challenge -> ClientFrame.newBuilder().setRegister(Register.newBuilder()
                .setUsername(username).setIdentityKey(ByteString.copyFrom(key.generatePublicKey().getEncoded()))
                .setInviteCode(inviteCode == null ? "" : inviteCode)
                .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(profileKey)))
                .setMailboxKey(ByteString.copyFrom(mailboxKey.publicKey()))
                .setSignature(ByteString.copyFrom(DeviceIdentity.signChallenge(key, challenge)))));
        // The account id is the server's to assign, and the certificate covers it: sign once it is known.
        byte[] accountId = answer.getAuthenticated().getAccountId().toByteArray();
        if (accountId.length != Limits.ACCOUNT_ID_BYTES) {
            throw new ConnectionException("the server at " + server + " answered with a malformed account id; is it a Parley server?");
        }
        byte[] certificate = AccountKey.certify(accountKey, accountId, key.generatePublicKey().getEncoded());
        DeviceIdentity identity = DeviceIdentity.create(server, username.toLowerCase(java.util.Locale.ROOT), accountId,
                answer.getAuthenticated().getDeviceId().toByteArray(), key, accountKey, certificate, profileKey,
                mailboxKey);
        identity.save(store);
        return identity;
    }

    /** The code a new device shows while it waits, and until when the server keeps it. */
    public record LinkRequest(String code, Instant expires) {
        @Override
        public String toString() {
            return "LinkRequest[code hidden, expires " + expires + "]";
        }
    }

    /**
     * Asks {@code server} to link this profile as a new device of an account: {@code show} gets the
     * code to type on a signed-in device ({@link #approveLink}): the server's code and a fingerprint
     * of this device's keys ({@link LinkFingerprint}). Then this waits up to {@code wait} for the
     * approval, opens the provisioning it carries (the account key, this device's certificate, the
     * profile key) and saves the device only when the certificate verifies for this device's key.
     *
     * @throws LinkNotApprovedException when no approval came within {@code wait}
     * @throws LinkRefusedException     when the approval does not open or does not certify this device
     * @throws ServerException          when the server refuses the request (rate limit)
     */
    public static DeviceIdentity requestLink(ProfileStore store, ServerAddress server, SecureRandom random, Duration timeout,
                                             Duration wait, Consumer<LinkRequest> show) {
        return requestLink(store, Endpoint.direct(server), Route.DIRECT, random, timeout, wait, show);
    }

    /** As {@link #requestLink(ProfileStore, ServerAddress, SecureRandom, Duration, Duration, Consumer)}, to {@code server} along {@code route}. */
    public static DeviceIdentity requestLink(ProfileStore store, Endpoint server, Route route, SecureRandom random, Duration timeout,
                                             Duration wait, Consumer<LinkRequest> show) {
        requireEmpty(store);
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        X25519PrivateKeyParameters provisioningKey = ProvisioningBox.newKey(random);
        byte[] identityKey = key.generatePublicKey().getEncoded();
        byte[] provisioningPublic = ProvisioningBox.publicKey(provisioningKey);
        MailboxKey mailboxKey = MailboxKey.generate();
        CompletableFuture<ServerFrame> approved = new CompletableFuture<>();
        ServerFrame answer = overConnection(server, route, timeout, push -> {
            if (push.hasAuthenticated()) {
                approved.complete(push);
            }
        }, () -> approved.completeExceptionally(new ConnectionException(
                "the server at " + server + " closed the connection while this device waited for approval; run 'parley link' again")),
                connection -> {
                    ServerFrame requested = answered(server, connection.request(ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                            .setIdentityKey(ByteString.copyFrom(identityKey))
                            .setProvisioningKey(ByteString.copyFrom(provisioningPublic))
                            .setMailboxKey(ByteString.copyFrom(mailboxKey.publicKey()))
                            .setSignature(ByteString.copyFrom(DeviceIdentity.signChallenge(key, connection.challenge())))))
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS), ServerFrame::hasLinkRequested);
                    show.accept(new LinkRequest(LinkFingerprint.shown(requested.getLinkRequested().getCode(), identityKey,
                            provisioningPublic), Instant.ofEpochMilli(requested.getLinkRequested().getExpiresAt())));
                    try {
                        return approved.get(wait.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        throw new LinkNotApprovedException(wait);
                    }
                });
        DeviceIdentity identity = provisioned(server, answer.getAuthenticated(), key, provisioningKey, mailboxKey);
        identity.save(store);
        return identity;
    }

    /** This device as the approval's provisioning describes it, once it checks out; nothing is saved here. */
    static DeviceIdentity provisioned(Endpoint server, Authenticated approval, Ed25519PrivateKeyParameters key,
                                      X25519PrivateKeyParameters provisioningKey, MailboxKey mailboxKey) {
        Provisioning provisioning = ProvisioningBox.open(approval.getProvisioning().toByteArray(), provisioningKey);
        byte[] accountId = approval.getAccountId().toByteArray();
        String refused = "the approval that reached this device does not make it a device of that account"
                + " (it was altered, or came from a device without the account's key); nothing was saved: run 'parley link' again";
        if (!Arrays.equals(provisioning.getAccountId().toByteArray(), accountId)
                || provisioning.getAccountPrivateKey().size() != Ed25519PrivateKeyParameters.KEY_SIZE
                || !(provisioning.getProfileKey().isEmpty() || provisioning.getProfileKey().size() == 32)) {
            throw new LinkRefusedException(refused);
        }
        try {
            return DeviceIdentity.create(server, approval.getUsername(), accountId, approval.getDeviceId().toByteArray(), key,
                    new Ed25519PrivateKeyParameters(provisioning.getAccountPrivateKey().toByteArray()),
                    provisioning.getDeviceCertificate().toByteArray(), provisioning.getProfileKey().toByteArray(), mailboxKey);
        } catch (IllegalArgumentException e) {
            throw new LinkRefusedException(refused, e);
        }
    }

    /**
     * Approves the new device that shows {@code code}: looks up the waiting device's keys by the
     * server's part of the code, checks them against the fingerprint part (so the server cannot
     * put its own device in the new one's place), certifies the new device's key with the account
     * key and sends it, with the account key and profile key, sealed to the new device.
     *
     * @return the new device's id
     * @throws IllegalArgumentException with a message for people when the code is mistyped
     * @throws LinkRefusedException     when the waiting device is not the one showing the code
     * @throws ServerException          when the server knows no such waiting device (wrong, used or expired code)
     */
    public static byte[] approveLink(Session session, DeviceIdentity identity, String code, SecureRandom random) {
        LinkFingerprint.Parts parts = LinkFingerprint.split(code);
        LinkPending pending = session.call(ClientFrame.newBuilder().setInspectLink(InspectLink.newBuilder()
                .setCode(parts.serverCode()))).getLinkPending();
        byte[] newKey = pending.getIdentityKey().toByteArray();
        byte[] provisioningKey = pending.getProvisioningKey().toByteArray();
        if (!LinkFingerprint.matches(parts, newKey, provisioningKey) || newKey.length != AccountKey.PUBLIC_KEY_BYTES
                || provisioningKey.length != ProvisioningBox.KEY_BYTES) {
            throw new LinkRefusedException("the device waiting with that code is not the one showing it: do not link;"
                    + " someone may be trying to add their own device to your account");
        }
        Provisioning provisioning = Provisioning.newBuilder()
                .setAccountPrivateKey(ByteString.copyFrom(identity.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(identity.certify(newKey)))
                .setProfileKey(ByteString.copyFrom(identity.profileKey()))
                .setAccountId(ByteString.copyFrom(identity.accountId())).build();
        byte[] sealed = ProvisioningBox.seal(provisioning, provisioningKey, random);
        return session.call(ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(parts.serverCode())
                .setProvisioning(ByteString.copyFrom(sealed)))).getLinkApproved().getDeviceId().toByteArray();
    }

    private static void requireEmpty(ProfileStore store) {
        if (DeviceIdentity.isRegistered(store)) {
            DeviceIdentity existing = DeviceIdentity.load(store);
            throw new ProfileException("this profile already holds " + existing.username() + "'s device at "
                    + existing.server() + "; use another --profile DIR for another account or device");
        }
    }

    /** One unauthenticated connection: send what the challenge allows, expect Authenticated. */
    private static ServerFrame signIn(Endpoint server, Route route, Duration timeout, Function<byte[], ClientFrame.Builder> request) {
        return overConnection(server, route, timeout, push -> { }, () -> { }, connection -> answered(server,
                connection.request(request.apply(connection.challenge())).get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                ServerFrame::hasAuthenticated));
    }

    /** What one connection is used for, before it is closed again. */
    private interface Exchange {
        ServerFrame run(Connection connection) throws InterruptedException, ExecutionException, TimeoutException;
    }

    private static ServerFrame overConnection(Endpoint server, Route route, Duration timeout, Consumer<ServerFrame> pushes,
                                              Runnable onClose, Exchange exchange) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Connection connection = Connection.open(server, new Dialer(route, group, timeout), pushes, onClose)) {
            return exchange.run(connection);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while talking to " + server);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new ConnectionException("talking to " + server + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ConnectionException("the server at " + server + " did not answer within " + timeout.toSeconds() + " s");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** The answer when it is the {@code expected} kind; the server's refusal as ServerException. */
    private static ServerFrame answered(Endpoint server, ServerFrame answer, java.util.function.Predicate<ServerFrame> expected) {
        if (answer.hasError()) {
            throw ServerException.of(answer.getError());
        }
        if (!expected.test(answer)) {
            throw new ConnectionException("the server at " + server + " answered with something unexpected; is it a Parley server?");
        }
        return answer;
    }

    public static List<DeviceInfo> devices(Session session, DeviceIdentity identity) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()));
        ByteString thisDevice = ByteString.copyFrom(identity.deviceId());
        return answer.getDeviceList().getDevicesList().stream().map((Device device) -> new DeviceInfo(
                Bytes.copyOf(device.getDeviceId().toByteArray()), Bytes.copyOf(device.getIdentityKey().toByteArray()),
                device.getCreatedDay(), device.getDeviceId().equals(thisDevice))).toList();
    }

    public static void removeDevice(Session session, Bytes deviceId) {
        session.call(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder().setDeviceId(ByteString.copyFrom(deviceId.asReadOnlyBuffer()))));
    }
}
