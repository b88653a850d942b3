package org.parley.client.testkit;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.store.ProfileStore;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Links a new device the way two people at two devices do: the new profile requests a link and
 * shows its code ({@link Accounts#requestLink}, on a background thread, as it blocks until
 * approved), and a signed-in device approves that code ({@link Accounts#approveLink}).
 */
public final class DeviceLinks {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DeviceLinks() {
    }

    /** A waiting new device: the code it shows, and its identity once approved. */
    public record Waiting(String code, CompletableFuture<DeviceIdentity> linked) {
        public DeviceIdentity finish() throws Exception {
            return linked.get(30, TimeUnit.SECONDS);
        }
    }

    /** Starts linking {@code store} (an empty profile) at {@code approver}'s server and waits until it shows its code. */
    public static Waiting request(ProfileStore store, ParleyClient approver) throws Exception {
        CompletableFuture<String> code = new CompletableFuture<>();
        CompletableFuture<DeviceIdentity> linked = CompletableFuture.supplyAsync(() -> Accounts.requestLink(store,
                approver.identity().server(), RANDOM, ParleyClient.DEFAULT_TIMEOUT, Duration.ofSeconds(30),
                request -> code.complete(request.code())));
        linked.whenComplete((identity, failure) -> {
            if (failure != null) {
                code.completeExceptionally(failure);
            }
        });
        return new Waiting(code.get(30, TimeUnit.SECONDS), linked);
    }

    /** Links {@code store} as a new device of {@code approver}'s account and returns its identity. */
    public static DeviceIdentity link(ProfileStore store, ParleyClient approver) throws Exception {
        Waiting waiting = request(store, approver);
        Accounts.approveLink(approver.session(), approver.identity(), waiting.code(), RANDOM);
        return waiting.finish();
    }
}
