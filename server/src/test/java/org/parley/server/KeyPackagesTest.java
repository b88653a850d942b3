package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CountKeyPackages;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.UploadKeyPackages;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class KeyPackagesTest extends ServerTestBase {

    private static ClientFrame.Builder upload(int count, String prefix, String lastResort) {
        UploadKeyPackages.Builder upload = UploadKeyPackages.newBuilder();
        for (int i = 0; i < count; i++) {
            upload.addKeyPackages(ByteString.copyFromUtf8(prefix + i));
        }
        if (lastResort != null) {
            upload.setLastResort(ByteString.copyFromUtf8(lastResort));
        }
        return ClientFrame.newBuilder().setUploadKeyPackages(upload);
    }

    private static ClientFrame.Builder claim(String username) {
        return ClientFrame.newBuilder().setClaimKeyPackages(ClaimKeyPackages.newBuilder().setUsername(username));
    }

    private static int count(TestClient device) throws Exception {
        return device.request(ClientFrame.newBuilder().setCountKeyPackages(CountKeyPackages.getDefaultInstance()))
                .getKeyPackageCount().getCount();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void uploadClaimCountAndLastResort(Backend backend) throws Exception {
        start(backend);
        TestClient bob = registered("bob");
        TestClient alice = registered("alice");
        assertThat(bob.request(upload(2, "kp", "last")).hasOk()).isTrue();
        assertThat(count(bob)).isEqualTo(2);

        ServerFrame first = alice.request(claim("Bob"));
        assertThat(first.getClaimedKeyPackages().getAccountId().toByteArray()).isEqualTo(bob.accountId);
        DeviceKeyPackage one = first.getClaimedKeyPackages().getPackages(0);
        assertThat(one.getDeviceId().toByteArray()).isEqualTo(bob.deviceId);
        assertThat(one.getKeyPackage().toStringUtf8()).isEqualTo("kp0");
        assertThat(one.getLastResort()).isFalse();

        // By account id as well.
        ServerFrame second = alice.request(ClientFrame.newBuilder().setClaimKeyPackages(
                ClaimKeyPackages.newBuilder().setAccountId(ByteString.copyFrom(bob.accountId))));
        assertThat(second.getClaimedKeyPackages().getPackages(0).getKeyPackage().toStringUtf8()).isEqualTo("kp1");
        assertThat(count(bob)).isZero();

        DeviceKeyPackage fallback = alice.request(claim("bob")).getClaimedKeyPackages().getPackages(0);
        assertThat(fallback.getKeyPackage().toStringUtf8()).isEqualTo("last");
        assertThat(fallback.getLastResort()).isTrue();

        assertThat(alice.request(claim("nobody")).getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(bob.request(upload(101, "x", null)).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(bob.request(upload(0, "x", null)).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentClaimsNeverGetTheSamePackage(Backend backend) throws Exception {
        start(backend);
        TestClient bob = registered("bob");
        assertThat(bob.request(upload(40, "kp", "last")).hasOk()).isTrue();
        List<TestClient> claimers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            claimers.add(registered("claimer" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(claimers.size());
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (TestClient claimer : claimers) {
                results.add(pool.submit(() -> {
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        got.add(claimer.request(claim("bob")).getClaimedKeyPackages().getPackages(0).getKeyPackage().toStringUtf8());
                    }
                    return got;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> result : results) {
                all.addAll(result.get());
            }
            assertThat(all).hasSize(40).doesNotHaveDuplicates().doesNotContain("last");
        } finally {
            pool.shutdownNow();
        }
        assertThat(count(bob)).isZero();
    }
}
