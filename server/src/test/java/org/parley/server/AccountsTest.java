package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.IssueLinkToken;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RedeemLinkToken;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.storage.Backend;
import org.parley.server.testing.TestClient;

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
    }
}
