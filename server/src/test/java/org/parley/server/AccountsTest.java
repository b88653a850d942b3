package org.parley.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.InspectLink;
import org.parley.protocol.v1.LinkPending;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SetAccessKey;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class AccountsTest extends ServerTestBase {
    private static final byte[] PROVISIONING_KEY = randomBytes(32);
    private static final ByteString PROVISIONING = ByteString.copyFrom(randomBytes(300));

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
        TestClient laptop = linked(phone);

        var devices = phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getDeviceList();
        assertThat(devices.getDevicesList()).extracting(d -> d.getDeviceId().toByteArray())
                .containsExactlyInAnyOrder(phone.deviceId, laptop.deviceId);
        assertThat(devices.getDevicesList()).filteredOn(d -> Arrays.equals(d.getDeviceId().toByteArray(), laptop.deviceId))
                .singleElement().satisfies(d -> assertThat(d.getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey()));

        assertThat(phone.request(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder()
                .setDeviceId(ByteString.copyFrom(laptop.deviceId)))).hasOk()).isTrue();
        assertThat(phone.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()))
                .getDeviceList().getDevicesCount()).isEqualTo(1);
        assertThat(laptop.awaitClosed()).as("the removed device's live connection is closed").isEqualTo(1008);
        // The removed device cannot sign in again.
        assertThat(connect().authenticateAs(laptop).getError().getCode()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    }

    /** A new device linked to {@code approver}'s account, signed in. */
    private TestClient linked(TestClient approver) throws Exception {
        TestClient device = connect();
        String code = device.request(requestLink(device)).getLinkRequested().getCode();
        assertThat(approver.request(approve(code)).hasLinkApproved()).isTrue();
        ServerFrame pushed = device.awaitFrame(ServerFrame::hasAuthenticated);
        device.accountId = pushed.getAuthenticated().getAccountId().toByteArray();
        device.deviceId = pushed.getAuthenticated().getDeviceId().toByteArray();
        return device;
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void theOldSingleUseLinkTokensAreGone(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        TestClient ghost = connect();
        // ClientFrame fields 4 (IssueLinkToken) and 5 (RedeemLinkToken), as raw fields so that this
        // test outlives their removal from the schema.
        ByteString redeem = UnknownFieldSet.newBuilder() // token "ffff", identity_key
                .addField(1, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("ffff")).build())
                .addField(2, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFrom(ghost.identityKey())).build())
                .build().toByteString();
        for (var oldBody : new ClientFrame.Builder[] {rawBody(4, ByteString.EMPTY), rawBody(5, redeem)}) {
            for (TestClient client : new TestClient[] {phone, ghost}) {
                ServerFrame answer = client.request(oldBody);
                assertThat(answer.getError().getCode()).as("%s", answer).isIn(ErrorCode.UNSUPPORTED, ErrorCode.MALFORMED_FRAME);
            }
        }
        assertThat(ghost.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getError().getCode())
                .isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(harness.store().accounts().devices(org.parley.server.accounts.AccountId.of(phone.accountId))).hasSize(1);
    }

    private static ClientFrame.Builder rawBody(int field, ByteString body) {
        return ClientFrame.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(field, UnknownFieldSet.Field.newBuilder().addLengthDelimited(body).build()).build());
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
        assertThat(pushed.getAuthenticated().getProvisioning()).as("forwarded unchanged").isEqualTo(PROVISIONING);
        assertThat(pushed.getAuthenticated().getAccountId().toByteArray()).isEqualTo(phone.accountId);
        assertThat(pushed.getAuthenticated().getDeviceId().toByteArray()).isEqualTo(laptopDevice);
        assertThat(pushed.getAuthenticated().getUsername()).isEqualTo("bob");
        // The waiting connection is now signed in as the new device, and the account lists it.
        var devices = laptop.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getDeviceList();
        assertThat(devices.getDevicesList()).extracting(d -> d.getDeviceId().toByteArray())
                .containsExactlyInAnyOrder(phone.deviceId, laptopDevice);
        assertThat(devices.getDevicesList()).filteredOn(d -> Arrays.equals(d.getDeviceId().toByteArray(), laptopDevice))
                .singleElement().satisfies(d -> assertThat(d.getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey()));
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
                .setIdentityKey(ByteString.copyFrom(randomBytes(32))).setSignature(ByteString.copyFrom(forger.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(PROVISIONING_KEY)).setMailboxKey(ByteString.copyFrom(forger.mailboxKey()))));
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
                .setIdentityKey(ByteString.copyFrom(device.identityKey())).setSignature(ByteString.copyFrom(device.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(PROVISIONING_KEY)).setMailboxKey(ByteString.copyFrom(device.mailboxKey())));
    }

    private static ClientFrame.Builder approve(String code) {
        return ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code).setProvisioning(PROVISIONING));
    }

    private static ClientFrame.Builder inspect(String code) {
        return ClientFrame.newBuilder().setInspectLink(InspectLink.newBuilder().setCode(code));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void anApprovingDeviceInspectsTheWaitingDevicesKeysWithoutUsingTheCode(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        TestClient stranger = connect();
        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop)).getLinkRequested().getCode();

        assertThat(stranger.request(inspect(code)).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        for (int i = 0; i < 2; i++) {
            LinkPending pending = phone.request(inspect(code.toLowerCase())).getLinkPending();
            assertThat(pending.getIdentityKey().toByteArray()).isEqualTo(laptop.identityKey());
            assertThat(pending.getProvisioningKey().toByteArray()).isEqualTo(PROVISIONING_KEY);
        }
        assertThat(phone.request(inspect("0000-0000-000")).getError().getMessage()).contains("not a link code");
        assertThat(phone.request(inspect("Z".repeat(100_000))).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(phone.request(inspect(DeviceLinkCode.generate(new SecureRandom()))).getError().getMessage())
                .contains("unknown, used or expired");
        // Inspecting used nothing up: the code still approves, once.
        assertThat(phone.request(approve(code)).hasLinkApproved()).isTrue();
        assertThat(phone.request(inspect(code)).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void linkCodeLookupsAreLimitedPerAccount(Backend backend) throws Exception {
        start(backend);
        TestClient guesser = registered("mallory");
        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop)).getLinkRequested().getCode();
        ErrorCode limited = null;
        for (int i = 0; i < 100 && limited == null; i++) {
            ServerFrame answer = guesser.request(inspect(DeviceLinkCode.generate(new SecureRandom())));
            if (answer.getError().getCode() == ErrorCode.RATE_LIMITED) {
                limited = ErrorCode.RATE_LIMITED;
            } else {
                assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
            }
        }
        assertThat(limited).as("guessing is cut off").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(guesser.request(inspect(code)).getError().getCode()).as("even for a right guess").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(guesser.request(approve(code)).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        // Another account is not affected, and the waiting device is still there for it.
        TestClient phone = registered("bob");
        assertThat(phone.request(inspect(code)).hasLinkPending()).isTrue();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void malformedProvisioningKeysAndOversizedProvisioningAreRefused(Backend backend) throws Exception {
        start(backend);
        TestClient phone = registered("bob");
        for (int length : new int[] {0, 31, 33, 4096}) {
            TestClient device = connect();
            ClientFrame.Builder request = requestLink(device);
            request.getRequestLinkBuilder().setProvisioningKey(ByteString.copyFrom(randomBytes(length)));
            ServerFrame answer = device.request(request);
            assertThat(answer.getError().getCode()).as("%d bytes", length).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(answer.getError().getMessage()).contains("provisioning_key must be 32 bytes, got " + length);
        }

        TestClient laptop = connect();
        String code = laptop.request(requestLink(laptop)).getLinkRequested().getCode();
        ClientFrame.Builder oversized = approve(code);
        oversized.getApproveLinkBuilder().setProvisioning(ByteString.copyFrom(randomBytes(4097)));
        ServerFrame refused = phone.request(oversized);
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refused.getError().getMessage()).contains("at most 4096 bytes, got 4097");
        assertThat(phone.request(inspect(code)).hasLinkPending()).as("the code was not used").isTrue();

        ClientFrame.Builder largest = approve(code);
        ByteString provisioning = ByteString.copyFrom(randomBytes(4096));
        largest.getApproveLinkBuilder().setProvisioning(provisioning);
        assertThat(phone.request(largest).hasLinkApproved()).isTrue();
        assertThat(laptop.awaitFrame(ServerFrame::hasAuthenticated).getAuthenticated().getProvisioning()).isEqualTo(provisioning);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aNewAccessKeyReplacesTheOldOneForSealedSends(Backend backend) throws Exception {
        start(backend);
        byte[] oldKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", oldKey);
        assertThat(sealedTo(alice, bob, oldKey).hasSendAccepted()).isTrue();

        byte[] newKey = randomBytes(16);
        assertThat(bob.request(setAccessKey(newKey)).hasOk()).isTrue();
        assertThat(sealedTo(alice, bob, oldKey).getError().getCode()).as("the old key").isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(sealedTo(alice, bob, newKey).hasSendAccepted()).isTrue();

        for (int length : new int[] {0, 15, 33, 64 * 1024}) {
            ServerFrame answer = bob.request(setAccessKey(randomBytes(length)));
            assertThat(answer.getError().getCode()).as("%d bytes", length).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(answer.getError().getMessage()).contains("access_key must be 16 to 32 bytes, got " + length);
        }
        assertThat(connect().request(setAccessKey(randomBytes(16))).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(sealedTo(alice, bob, newKey).hasSendAccepted()).as("refused keys changed nothing").isTrue();
    }

    private static ClientFrame.Builder setAccessKey(byte[] key) {
        return ClientFrame.newBuilder().setSetAccessKey(SetAccessKey.newBuilder().setAccessKey(ByteString.copyFrom(key)));
    }

    private static ServerFrame sealedTo(TestClient from, TestClient to, byte[] accessKey) throws Exception {
        ClientFrame.Builder sealed = send(new byte[] {1}, recipient(to).setAccessKey(ByteString.copyFrom(accessKey)));
        sealed.getSendBuilder().setSealed(true);
        return from.request(sealed);
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
