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
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Device;
import org.parley.protocol.v1.IssueLinkToken;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RedeemLinkToken;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.ServerFrame;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Account and device flows: registering the first device of a new account, linking further devices
 * with a single-use token, listing and removing devices. A device's identity is saved in the
 * profile only once the server has accepted it, so a failed attempt leaves the profile as it was.
 */
public final class Accounts {
    private Accounts() {
    }

    /** A device of this account as the server lists it. */
    public record DeviceInfo(byte[] deviceId, byte[] identityKey, long createdDay, boolean thisDevice) {
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
     * Joins the account that issued {@code code} as a new device. The profile key reaches this
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

    private static void requireEmpty(ProfileStore store) {
        if (DeviceIdentity.isRegistered(store)) {
            DeviceIdentity existing = DeviceIdentity.load(store);
            throw new ProfileException("this profile already holds " + existing.username() + "'s device at "
                    + existing.server() + "; use another --profile DIR for another account or device");
        }
    }

    /** One unauthenticated connection: send what the challenge allows, expect Authenticated. */
    private static ServerFrame signIn(ServerAddress server, Duration timeout, Function<byte[], ClientFrame.Builder> request) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Connection connection = Connection.open(server, group, timeout, push -> { }, () -> { })) {
            ServerFrame answer = connection.request(request.apply(connection.challenge()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (answer.hasError()) {
                throw new ServerException(answer.getError().getCode(), answer.getError().getMessage());
            }
            if (!answer.hasAuthenticated()) {
                throw new ConnectionException("the server at " + server + " answered with something unexpected; is it a Parley server?");
            }
            return answer;
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

    /** A fresh link code for a new device of this account (single use, valid ten minutes). */
    public static LinkCode issueLinkCode(Session session, DeviceIdentity identity) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setIssueLinkToken(IssueLinkToken.getDefaultInstance()));
        return new LinkCode(answer.getLinkToken().getToken(), identity.username(), identity.server());
    }

    public static List<DeviceInfo> devices(Session session, DeviceIdentity identity) {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()));
        return answer.getDeviceList().getDevicesList().stream().map((Device device) -> new DeviceInfo(
                device.getDeviceId().toByteArray(), device.getIdentityKey().toByteArray(), device.getCreatedDay(),
                java.util.Arrays.equals(device.getDeviceId().toByteArray(), identity.deviceId()))).toList();
    }

    public static void removeDevice(Session session, byte[] deviceId) {
        session.call(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder().setDeviceId(ByteString.copyFrom(deviceId))));
    }
}
