package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.InspectLink;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.RemoveDevice;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.UploadKeyPackages;
import org.parley.server.requests.AccountRequests;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on the per-account limits through a live server: a sixth device, a sweep of usernames
 * by key package claims, draining someone's key packages, and guessing or hammering link codes.
 */
class AccountLimitsTest extends ServerTestBase {
    private static final SecureRandom CODES = new SecureRandom();

    @Test
    void aSixthDeviceIsRefusedNamingTheLimitAndUnlinkAndTheCodeWorksAfterAnUnlink() throws Exception {
        start(Backend.SQLITE);
        TestClient phone = registered("alice");
        List<TestClient> others = new ArrayList<>();
        for (int i = 2; i <= AccountRequests.MAX_DEVICES_PER_ACCOUNT; i++) {
            others.add(linked(phone));
        }
        TestClient sixth = connect();
        String code = sixth.request(requestLink(sixth)).getLinkRequested().getCode();
        Error refused = phone.request(approve(code)).getError();
        assertThat(refused.getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(refused.getMessage()).contains("5 devices").contains("parley unlink");
        assertThat(devices(phone)).isEqualTo(5);
        assertThat(sixth.pollFrame(ServerFrame::hasAuthenticated, Duration.ofMillis(300))).as("the sixth waits, unlinked").isNull();

        assertThat(phone.request(ClientFrame.newBuilder().setRemoveDevice(RemoveDevice.newBuilder()
                .setDeviceId(ByteString.copyFrom(others.get(0).deviceId)))).hasOk()).isTrue();
        assertThat(phone.request(approve(code)).hasLinkApproved()).isTrue();
        assertThat(sixth.awaitFrame(ServerFrame::hasAuthenticated).getAuthenticated().getAccountId().toByteArray())
                .isEqualTo(phone.accountId);
        assertThat(devices(phone)).isEqualTo(5);
    }

    @Test
    void devicesApprovedAtOnceFromSeveralDevicesStillStopAtFive() throws Exception {
        start(Backend.SQLITE);
        TestClient phone = registered("alice");
        TestClient laptop = linked(phone);
        List<TestClient> waiting = new ArrayList<>();
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            TestClient device = connect();
            waiting.add(device);
            codes.add(device.request(requestLink(device)).getLinkRequested().getCode());
        }
        // Both approvers fire all their approvals without waiting for answers.
        for (int i = 0; i < codes.size(); i++) {
            (i % 2 == 0 ? phone : laptop).send(approve(codes.get(i)).setRequestId(1000 + i).build());
        }
        int approved = 0;
        for (int i = 0; i < codes.size(); i++) {
            long id = 1000 + i;
            ServerFrame answer = (i % 2 == 0 ? phone : laptop).awaitFrame(f -> f.getRequestId() == id);
            approved += answer.hasLinkApproved() ? 1 : 0;
        }
        assertThat(approved).isEqualTo(3);
        assertThat(devices(phone)).isEqualTo(5);
    }

    @Test
    void anUnknownUsernameAndAnAccountWithoutPackagesLookTheSame() throws Exception {
        start(Backend.SQLITE);
        TestClient prober = registered("prober");
        registered("carol");
        Error carol = claim(prober, "carol").getError();
        Error nobody = claim(prober, "nobody_here").getError();
        Error unknownId = prober.request(ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder()
                .setAccountId(ByteString.copyFrom(randomBytes(16))))).getError();
        assertThat(nobody).isEqualTo(carol);
        assertThat(unknownId).isEqualTo(carol);
        assertThat(carol.getCode()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void oneClaimerCannotSweepUsernames() throws Exception {
        start(Backend.SQLITE, config -> config.withQuotas(new ServerConfig.Quotas(3, 1000, 1024, 10, Duration.ofMinutes(1))),
                store -> store);
        TestClient sweeper = registered("sweeper");
        TestClient honest = registered("honest");
        for (String name : List.of("aaron", "abby", "adam")) {
            assertThat(claim(sweeper, name).getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
        }
        Error limited = claim(sweeper, "alice").getError();
        assertThat(limited.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.getMessage()).contains("your account claimed too many key packages");
        // Three an hour: the next token is about 20 minutes away.
        assertThat(Duration.ofMillis(limited.getRetryAfterMs())).isBetween(Duration.ofMinutes(19), Duration.ofMinutes(20));
        assertThat(claim(honest, "aaron").getError().getCode()).as("others are not held back").isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void nobodyDrainsAnAccountsPackagesAndAnUnknownNameIsLimitedAlike() throws Exception {
        start(Backend.SQLITE, config -> config.withQuotas(new ServerConfig.Quotas(1000, 2, 1024, 10, Duration.ofMinutes(1))),
                store -> store);
        TestClient dave = registered("dave");
        ClientFrame.Builder upload = ClientFrame.newBuilder().setUploadKeyPackages(UploadKeyPackages.newBuilder()
                .addKeyPackages(ByteString.copyFrom(randomBytes(100))).addKeyPackages(ByteString.copyFrom(randomBytes(100)))
                .addKeyPackages(ByteString.copyFrom(randomBytes(100))).setLastResort(ByteString.copyFrom(randomBytes(100))));
        assertThat(dave.request(upload).hasOk()).isTrue();
        TestClient first = registered("first");
        TestClient second = registered("second");
        TestClient third = registered("third");

        assertThat(claim(first, "dave").hasClaimedKeyPackages()).isTrue();
        // By account id it is the same account, and the same allowance.
        assertThat(second.request(ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder()
                .setAccountId(ByteString.copyFrom(dave.accountId)))).hasClaimedKeyPackages()).isTrue();
        Error daveLimited = claim(third, "dave").getError();
        assertThat(daveLimited.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(daveLimited.getRetryAfterMs()).isPositive();
        assertThat(dave.request(ClientFrame.newBuilder().setCountKeyPackages(
                org.parley.protocol.v1.CountKeyPackages.getDefaultInstance())).getKeyPackageCount().getCount())
                .as("one regular package is left").isEqualTo(1);

        claim(first, "ghost");
        claim(second, "ghost");
        Error ghostLimited = claim(third, "ghost").getError();
        assertThat(ghostLimited.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(ghostLimited.getMessage()).as("the same words for a name nobody has").isEqualTo(daveLimited.getMessage());
        assertThat(ghostLimited.getRetryAfterMs()).isPositive();
    }

    @Test
    void aLinkCodeCannotBeHammeredAndAnAccountCannotGuessCodes() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient waiting = connect();
        String code = waiting.request(requestLink(waiting)).getLinkRequested().getCode();
        for (int i = 0; i < 10; i++) {
            assertThat(alice.request(inspect(code)).hasLinkPending()).isTrue();
        }
        Error hammered = alice.request(inspect(code)).getError();
        assertThat(hammered.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(hammered.getMessage()).contains("that link code was tried too often");
        assertThat(hammered.getRetryAfterMs()).isPositive();
        assertThat(bob.request(approve(code)).getError().getCode()).as("the limit is the code's, whoever asks")
                .isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(waiting.pollFrame(ServerFrame::hasAuthenticated, Duration.ofMillis(200))).isNull();

        // Bob tried one code; 29 more guesses, then his account is held back, for real codes too.
        for (int i = 0; i < 29; i++) {
            Error guess = bob.request(inspect(DeviceLinkCode.generate(CODES))).getError();
            assertThat(guess.getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        }
        Error guessing = bob.request(inspect(DeviceLinkCode.generate(CODES))).getError();
        assertThat(guessing.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(guessing.getMessage()).contains("too many link codes tried from your account");
        assertThat(Duration.ofMillis(guessing.getRetryAfterMs())).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(2));
        TestClient other = connect();
        String real = other.request(requestLink(other)).getLinkRequested().getCode();
        assertThat(bob.request(inspect(real)).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(alice.request(inspect(real)).hasLinkPending()).isTrue();
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

    private static int devices(TestClient device) throws Exception {
        return device.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).getDeviceList().getDevicesCount();
    }

    private static ServerFrame claim(TestClient claimer, String username) throws Exception {
        return claimer.request(ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder().setUsername(username)));
    }

    private static ClientFrame.Builder requestLink(TestClient device) {
        return ClientFrame.newBuilder().setRequestLink(RequestLink.newBuilder()
                .setIdentityKey(ByteString.copyFrom(device.identityKey())).setSignature(ByteString.copyFrom(device.signChallenge()))
                .setProvisioningKey(ByteString.copyFrom(randomBytes(32))).setMailboxKey(ByteString.copyFrom(device.mailboxKey())));
    }

    private static ClientFrame.Builder approve(String code) {
        return ClientFrame.newBuilder().setApproveLink(ApproveLink.newBuilder().setCode(code)
                .setProvisioning(ByteString.copyFrom(randomBytes(100))));
    }

    private static ClientFrame.Builder inspect(String code) {
        return ClientFrame.newBuilder().setInspectLink(InspectLink.newBuilder().setCode(code));
    }
}
