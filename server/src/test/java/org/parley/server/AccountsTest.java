package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.IssueLinkToken;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RedeemLinkToken;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;

class AccountsTest extends ServerTestBase {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void registersSignsInAgainAndRefusesATakenName(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        assertThat(alice.accountId).hasSize(16);
        assertThat(alice.deviceId).hasSize(16);

        TestClient again = connect();
        assertThat(again.authenticateAs(alice).getAuthenticated().getDeviceId().toByteArray()).isEqualTo(alice.deviceId);

        TestClient impostor = connect();
        assertThat(impostor.register("ALICE", randomBytes(32), null).getError().getCode()).isEqualTo(ErrorCode.USERNAME_TAKEN);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aSignatureByAnotherKeyDoesNotSignIn(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient mallory = connect();
        // Mallory claims Alice's device but signs with her own key.
        ServerFrame answer = mallory.request(ClientFrame.newBuilder().setAuthenticate(org.parley.protocol.v1.Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(alice.accountId)).setDeviceId(ByteString.copyFrom(alice.deviceId))
                .setSignature(ByteString.copyFrom(mallory.signChallenge()))));
        assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(mallory.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void linksListsAndRemovesDevices(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        String token = phone.request(ClientFrame.newBuilder().setIssueLinkToken(IssueLinkToken.getDefaultInstance()))
                .getLinkToken().getToken();
        assertThat(token).matches("[0-9a-f]+");

        TestClient laptop = connect();
        ServerFrame linked = laptop.request(ClientFrame.newBuilder().setRedeemLinkToken(RedeemLinkToken.newBuilder()
                .setToken(token).setIdentityKey(ByteString.copyFrom(laptop.identityKey()))
                .setSignature(ByteString.copyFrom(laptop.signChallenge()))));
        assertThat(linked.getAuthenticated().getAccountId().toByteArray()).isEqualTo(phone.accountId);
        laptop.accountId = phone.accountId;
        laptop.deviceId = linked.getAuthenticated().getDeviceId().toByteArray();

        // The token works once.
        TestClient third = connect();
        ServerFrame reused = third.request(ClientFrame.newBuilder().setRedeemLinkToken(RedeemLinkToken.newBuilder()
                .setToken(token).setIdentityKey(ByteString.copyFrom(third.identityKey()))
                .setSignature(ByteString.copyFrom(third.signChallenge()))));
        assertThat(reused.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        var devices = phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getDeviceList();
        assertThat(devices.getDevicesList()).extracting(d -> d.getDeviceId().toByteArray())
                .containsExactly(phone.deviceId, laptop.deviceId);
        assertThat(devices.getDevices(1).getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey());

        assertThat(phone.request(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder()
                .setDeviceId(ByteString.copyFrom(laptop.deviceId)))).hasOk()).isTrue();
        assertThat(phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getDeviceList().getDevicesCount()).isEqualTo(1);
        assertThat(laptop.awaitClosed()).as("the removed device's live connection is closed").isEqualTo(1008);
        // The removed device cannot sign in again.
        assertThat(connect().authenticateAs(laptop).getError().getCode()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aNewDeviceRequestsALinkThatASignedInDeviceApproves(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        TestClient laptop = connect();
        ServerFrame requested = laptop.request(requestLink(laptop));
        String code = requested.getLinkRequested().getCode();
        assertThat(code).matches("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
        assertThat(requested.getLinkRequested().getExpiresAt()).isGreaterThan(System.currentTimeMillis());
        // Still waiting: the laptop is not signed in yet.
        assertThat(laptop.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);

        String second = laptop.request(requestLink(laptop)).getLinkRequested().getCode();
        ServerFrame approved = phone.request(approve(code.toLowerCase().replace("-", " ")));
        byte[] laptopDevice = approved.getLinkApproved().getDeviceId().toByteArray();
        assertThat(laptopDevice).hasSize(16);
        ServerFrame pushed = laptop.awaitFrame(ServerFrame::hasAuthenticated);
        assertThat(pushed.getRequestId()).as("a push").isZero();
        assertThat(pushed.getAuthenticated().getAccountId().toByteArray()).isEqualTo(phone.accountId);
        assertThat(pushed.getAuthenticated().getDeviceId().toByteArray()).isEqualTo(laptopDevice);
        assertThat(pushed.getAuthenticated().getUsername()).isEqualTo("bob");
        // The waiting connection is now signed in as the new device, and the account lists it.
        var devices = laptop.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getDeviceList();
        assertThat(devices.getDevicesList()).extracting(d -> d.getDeviceId().toByteArray())
                .containsExactly(phone.deviceId, laptopDevice);
        assertThat(devices.getDevices(1).getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey());
        assertThat(laptop.request(requestLink(laptop)).getError().getCode()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED);

        // The code works once, and the device's other code is void now that it is signed in.
        assertThat(phone.request(approve(code)).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(phone.request(approve(second)).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getDeviceList().getDevicesCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void linkRequestsAndApprovalsAreRefusedOutOfOrderOrWithBadCodes(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        TestClient stranger = connect();
        assertThat(stranger.request(approve("0000-0000-0000")).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(phone.request(requestLink(phone)).getError().getCode()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED);

        TestClient forger = connect();
        ServerFrame forged = forger.request(ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(randomBytes(32))).setSignature(ByteString.copyFrom(forger.signChallenge()))));
        assertThat(forged.getError().getCode()).isEqualTo(ErrorCode.BAD_SIGNATURE);

        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop)).getLinkRequested().getCode();
        char last = code.charAt(code.length() - 1);
        String typo = code.substring(0, code.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThat(phone.request(approve(typo)).getError().getMessage()).contains("not a link code");
        assertThat(phone.request(approve("")).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(phone.request(approve("Z".repeat(100_000))).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        // A well-formed code the server never issued. (Codes of closed connections: PendingLinksTest.)
        String unknown = DeviceLinkCode.generate(new SecureRandom());
        assertThat(phone.request(approve(unknown)).getError().getMessage()).contains("unknown, used or expired");
        assertThat(phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getDeviceList().getDevicesCount()).isEqualTo(1);
    }

    private static ClientFrame.Builder requestLink(TestClient device) {
        return ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(device.identityKey())).setSignature(ByteString.copyFrom(device.signChallenge())));
    }

    private static ClientFrame.Builder approve(String code) {
        return ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void inviteOnlyServersNeedAValidCodeOnce(Backend backend) throws Exception {
        start(backend, config -> config.withInviteOnly(true), store -> store);
        assertThat(connect().register("carol", randomBytes(32), null).getError().getCode()).isEqualTo(ErrorCode.INVITE_REQUIRED);
        assertThat(connect().register("carol", randomBytes(32), "00ff").getError().getCode()).isEqualTo(ErrorCode.INVITE_REQUIRED);
        String code = java.util.HexFormat.of().formatHex(harness.store().accounts().createInviteCode());
        assertThat(connect().register("carol", randomBytes(32), code).hasAuthenticated()).isTrue();
        assertThat(connect().register("dave", randomBytes(32), code).getError().getCode()).isEqualTo(ErrorCode.INVITE_REQUIRED);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void registrationIsRateLimitedPerSourceAddress(Backend backend) throws Exception {
        start(backend, config -> config.withLimits(config.limits().withRegistrationsPerHour(2)), store -> store);
        assertThat(connect().register("user1", randomBytes(32), null).hasAuthenticated()).isTrue();
        assertThat(connect().register("user2", randomBytes(32), null).hasAuthenticated()).isTrue();
        assertThat(connect().register("user3", randomBytes(32), null).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        // Link requests draw on the same per-address budget: each makes the server hold state for a stranger.
        TestClient newDevice = connect();
        assertThat(newDevice.request(requestLink(newDevice)).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
    }
}
