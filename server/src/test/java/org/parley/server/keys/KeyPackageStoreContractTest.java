package org.parley.server.keys;

import static org.parley.server.testing.MailboxKeys.mailboxKey;
import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.DeviceRecord;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.UnknownDeviceException;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

class KeyPackageStoreContractTest extends StoreContract {

    /** Distinct recognisable packages: the device's first id byte and a counter. */
    private static List<byte[]> packages(DeviceId device, int from, int count) {
        List<byte[]> packages = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            packages.add(ByteBuffer.allocate(20).put(device.bytes()).putInt(i).array());
        }
        return packages;
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void claimsTakeTheOldestPackageOfEachDeviceOnce(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        DeviceRecord laptop = store.accounts().addDevice(bob.account(), new byte[32], mailboxKey());
        store.keyPackages().upload(bob.device(), packages(bob.device(), 0, 3));
        store.keyPackages().upload(laptop.id(), packages(laptop.id(), 0, 1));
        assertThat(store.keyPackages().count(bob.device())).isEqualTo(3);

        List<ClaimedKeyPackage> first = store.keyPackages().claim(bob.account());
        assertThat(first).extracting(ClaimedKeyPackage::device).containsExactlyInAnyOrder(bob.device(), laptop.id());
        assertThat(first).filteredOn(claimed -> claimed.device().equals(bob.device())).singleElement()
                .satisfies(claimed -> assertThat(claimed.keyPackage().toByteArray()).isEqualTo(packages(bob.device(), 0, 1).get(0)));
        assertThat(first).noneMatch(ClaimedKeyPackage::lastResort);
        assertThat(store.keyPackages().count(bob.device())).isEqualTo(2);
        assertThat(store.keyPackages().count(laptop.id())).isZero();

        List<ClaimedKeyPackage> second = store.keyPackages().claim(bob.account());
        assertThat(second).singleElement().satisfies(claimed -> {
            assertThat(claimed.device()).isEqualTo(bob.device());
            assertThat(claimed.keyPackage().toByteArray()).isEqualTo(packages(bob.device(), 1, 1).get(0));
        });
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void theLastResortPackageComesOnlyWhenNoneIsLeftAndStays(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        byte[] lastResort = {7, 7, 7};
        store.keyPackages().setLastResort(bob.device(), new byte[] {6});
        store.keyPackages().setLastResort(bob.device(), lastResort);
        store.keyPackages().upload(bob.device(), packages(bob.device(), 0, 1));

        assertThat(store.keyPackages().claim(bob.account())).singleElement()
                .satisfies(claimed -> assertThat(claimed.lastResort()).isFalse());
        for (int i = 0; i < 3; i++) {
            assertThat(store.keyPackages().claim(bob.account())).singleElement().satisfies(claimed -> {
                assertThat(claimed.lastResort()).isTrue();
                assertThat(claimed.keyPackage().toByteArray()).isEqualTo(lastResort);
            });
        }
        assertThat(store.keyPackages().count(bob.device())).isZero();
        store.keyPackages().upload(bob.device(), packages(bob.device(), 5, 1));
        assertThat(store.keyPackages().claim(bob.account())).singleElement()
                .satisfies(claimed -> assertThat(claimed.lastResort()).isFalse());
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void uploadsOverTheCapAreRejectedWhole(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        store.keyPackages().upload(bob.device(), packages(bob.device(), 0, 90));
        assertThatThrownBy(() -> store.keyPackages().upload(bob.device(), packages(bob.device(), 90, 11)))
                .isInstanceOf(KeyPackageLimitException.class).hasMessageContaining("upload at most 10");
        assertThat(store.keyPackages().count(bob.device())).isEqualTo(90);
        store.keyPackages().upload(bob.device(), packages(bob.device(), 90, 10));
        assertThat(store.keyPackages().count(bob.device())).isEqualTo(KeyPackageStore.MAX_KEY_PACKAGES_PER_DEVICE);
        assertThatThrownBy(() -> store.keyPackages().upload(bob.device(), packages(bob.device(), 0, 101)))
                .isInstanceOf(KeyPackageLimitException.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void malformedUploadsAreRejected(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        assertThatThrownBy(() -> store.keyPackages().upload(bob.device(), List.of(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to");
        assertThatThrownBy(() -> store.keyPackages().setLastResort(bob.device(), new byte[KeyPackageStore.MAX_KEY_PACKAGE_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.keyPackages().upload(DeviceId.random(), packages(bob.device(), 0, 1)))
                .isInstanceOf(UnknownDeviceException.class);
        assertThat(store.keyPackages().count(bob.device())).isZero();
        assertThat(store.keyPackages().claim(org.parley.server.accounts.AccountId.random())).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentClaimsNeverHandOutAPackageTwice(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        store.keyPackages().upload(bob.device(), packages(bob.device(), 0, 100));
        byte[] lastResort = {1, 2, 3};
        store.keyPackages().setLastResort(bob.device(), lastResort);

        int threads = 8;
        int claimsPerThread = 20;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<List<ClaimedKeyPackage>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(() -> {
                    start.await();
                    List<ClaimedKeyPackage> mine = new ArrayList<>();
                    for (int i = 0; i < claimsPerThread; i++) {
                        mine.addAll(store.keyPackages().claim(bob.account()));
                    }
                    return mine;
                });
            }
            List<Future<List<ClaimedKeyPackage>>> results = new ArrayList<>();
            workers.forEach(worker -> results.add(pool.submit(worker)));
            start.countDown();
            Set<ByteString> regular = new HashSet<>();
            int lastResorts = 0;
            for (Future<List<ClaimedKeyPackage>> result : results) {
                for (ClaimedKeyPackage claimed : result.get()) {
                    if (claimed.lastResort()) {
                        lastResorts++;
                    } else {
                        assertThat(regular.add(claimed.keyPackage())).as("handed out twice").isTrue();
                    }
                }
            }
            // 160 claims: every one got a package; the 100 regular ones went out exactly once.
            assertThat(regular).hasSize(100);
            assertThat(lastResorts).isEqualTo(threads * claimsPerThread - 100);
            assertThat(store.keyPackages().count(bob.device())).isZero();
        } finally {
            pool.shutdownNow();
        }
    }
}
