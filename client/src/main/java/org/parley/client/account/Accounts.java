package org.parley.client.account;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.client.net.Connection;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Device;
import org.parley.protocol.v1.IssueLinkToken;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RedeemLinkToken;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Account and device flows: registering the first device of a new account, linking further devices
 * (the new device requests a code that a signed-in device approves; or, older, the new device
 * redeems a single-use token), listing and removing devices. A device's identity is saved in the
 * profile only once the server has accepted it, so a failed attempt leaves the profile as it was.
 */
public final class Accounts {
    private Accounts() {
    }

    /** A device of this account as the server lists it. */
    public record DeviceInfo(Bytes deviceId, Bytes identityKey, long createdDay, boolean thisDevice) {
    }

    /**
     * Creates the account {@code username} with this profile's first device.
     *
     * @throws ProfileException when the profile already holds a device
     * @throws ServerException  when the server refuses (name taken, invite required, rate limit)
     */
    public static DeviceIdentity register(ProfileStore store, ServerAddress server, String username, String inviteCode,
                                          SecureRandom random, Duration timeout) {
        requireEmpty(store);
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        byte[] profileKey = new byte[32];
        random.nextBytes(profileKey);
        ServerFrame answer = signIn(server, timeout, challenge -> ClientFrame.newBuilder().setRegister(Register.newBuilder()
                .setUsername(username).setIdentityKey(ByteString.copyFrom(key.generatePublicKey().getEncoded()))
                .setInviteCode(inviteCode == null ? "" : inviteCode)
                .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(profileKey)))
                .setSignature(ByteString.copyFrom(DeviceIdentity.signChallenge(key, challenge)))));
        DeviceIdentity identity = DeviceIdentity.create(server, username.toLowerCase(java.util.Locale.ROOT),
                answer.getAuthenticated().getAccountId().toByteArray(),
                answer.getAuthenticated().getDeviceId().toByteArray(), key, profileKey);
        identity.save(store);
        return identity;
    }

    /**
     * Older direction: joins the account that issued {@code code} ({@link #issueLinkCode}) as a new device. The profile key reaches this
     * device later, inside an encrypted conversation with the account's other devices; until then
     * it has none (it can still receive sealed messages: the server checks the account's key).
     */
    public static DeviceIdentity redeem(ProfileStore store, LinkCode code, SecureRandom random, Duration timeout) {
        requireEmpty(store);
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        ServerFrame answer = signIn(code.server(), timeout, challenge -> ClientFrame.newBuilder()
                .setRedeemLinkToken(RedeemLinkToken.newBuilder().setToken(code.tokenHex())
                        .setIdentityKey(ByteString.copyFrom(key.generatePublicKey().getEncoded()))
                        .setSignature(ByteString.copyFrom(DeviceIdentity.signChallenge(key, challenge)))));
        DeviceIdentity identity = DeviceIdentity.create(code.server(), code.username(),
                answer.getAuthenticated().getAccountId().toByteArray(),
                answer.getAuthenticated().getDeviceId().toByteArray(), key, new byte[0]);
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
     * code to type on a signed-in device ({@link #approveLink}), then this waits up to {@code wait}
     * for that approval. The profile key reaches this device later, as with {@link #redeem}.
     *
     * @throws LinkNotApprovedException when no approval came within {@code wait}
     * @throws ServerException          when the server refuses the request (rate limit)
     */
    public static DeviceIdentity requestLink(ProfileStore store, ServerAddress server, SecureRandom random, Duration timeout,
                                             Duration wait, Consumer<LinkRequest> show) {
        requireEmpty(store);
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        CompletableFuture<ServerFrame> approved = new CompletableFuture<>();
        ServerFrame answer = overConnection(server, timeout, push -> {
            if (push.hasAuthenticated()) {
                approved.complete(push);
            }
        }, () -> approved.completeExceptionally(new ConnectionException(
                "the server at " + server + " closed the connection while this device waited for approval; run 'parley link' again")),
                connection -> {
                    ServerFrame requested = answered(server, connection.request(ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                            .setIdentityKey(ByteString.copyFrom(key.generatePublicKey().getEncoded()))
                            .setSignature(ByteString.copyFrom(DeviceIdentity.signChallenge(key, connection.challenge())))))
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS), ServerFrame::hasLinkRequested);
                    show.accept(new LinkRequest(requested.getLinkRequested().getCode(),
                            Instant.ofEpochMilli(requested.getLinkRequested().getExpiresAt())));
                    try {
                        return approved.get(wait.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        throw new LinkNotApprovedException(wait);
                    }
                });
        DeviceIdentity identity = DeviceIdentity.create(server, answer.getAuthenticated().getUsername(),
                answer.getAuthenticated().getAccountId().toByteArray(),
                answer.getAuthenticated().getDeviceId().toByteArray(), key, new byte[0]);
        identity.save(store);
        return identity;
    }

    /**
     * Approves the code a new device showed: it becomes a device of this account.
     *
     * @return the new device's id
     * @throws IllegalArgumentException with a message for people when the code is mistyped
     * @throws ServerException          when the server knows no such waiting device (wrong, used or expired code)
     */
    public static byte[] approveLink(Session session, String code) {
        String canonical;
        try {
            canonical = DeviceLinkCode.canonical(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("that is not a valid link code (" + e.getMessage()
                    + "); type the code 'parley link' shows on the new device, like ABCD-EFGH-JKMN", e);
        }
        return session.call(ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(canonical)))
                .getLinkApproved().getDeviceId().toByteArray();
    }

    private static void requireEmpty(ProfileStore store) {
        if (DeviceIdentity.isRegistered(store)) {
            DeviceIdentity existing = DeviceIdentity.load(store);
            throw new ProfileException("this profile already holds " + existing.username() + "'s device at "
                    + existing.server() + "; use another --profile DIR for another account or device");
        }
    }

    /** One unauthenticated connection: send what the challenge allows, expect Authenticated. */
    private static ServerFrame signIn(ServerAddress server, Duration timeout, Function<byte[], ClientFrame.Builder> request) {
        return overConnection(server, timeout, push -> { }, () -> { }, connection -> answered(server,
                connection.request(request.apply(connection.challenge())).get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                ServerFrame::hasAuthenticated));
    }

    /** What one connection is used for, before it is closed again. */
    private interface Exchange {
        ServerFrame run(Connection connection) throws InterruptedException, ExecutionException, TimeoutException;
    }

    private static ServerFrame overConnection(ServerAddress server, Duration timeout, Consumer<ServerFrame> pushes,
                                              Runnable onClose, Exchange exchange) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Connection connection = Connection.open(server, group, timeout, pushes, onClose)) {
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
    private static ServerFrame answered(ServerAddress server, ServerFrame answer, java.util.function.Predicate<ServerFrame> expected) {
        if (answer.hasError()) {
            throw new ServerException(answer.getError().getCode(), answer.getError().getMessage());
        }
        if (!expected.test(answer)) {
            throw new ConnectionException("the server at " + server + " answered with something unexpected; is it a Parley server?");
        }
        return answer;
    }

    /** Older direction: a fresh link code that a new device redeems ({@link #redeem}); single use, valid ten minutes. */
    public static LinkCode issueLinkCode(Session session, DeviceIdentity identity) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setIssueLinkToken(IssueLinkToken.getDefaultInstance()));
        return new LinkCode(answer.getLinkToken().getToken(), identity.username(), identity.server());
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
