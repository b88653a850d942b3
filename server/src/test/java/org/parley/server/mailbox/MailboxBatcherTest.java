package org.parley.server.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.accounts.Registration;
import org.parley.server.storage.Backend;
import org.parley.server.storage.Store;
import org.parley.server.storage.StoreContract;

class MailboxBatcherTest extends StoreContract {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void sendsFromManyThreadsAreAllStoredBeforeTheirFuturesComplete(Backend backend) throws Exception {
        Store store = open(backend, config -> config.withMailboxLimits(new MailboxLimits(1000, 1 << 30, java.time.Duration.ofDays(30))));
        Registration bob = register(store, "bob");
        List<CompletableFuture<DeliveryOutcome>> results = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try (MailboxBatcher batcher = new MailboxBatcher(store.mailbox(), 64)) {
            List<java.util.concurrent.Future<CompletableFuture<DeliveryOutcome>>> submitted = new ArrayList<>();
            for (int i = 0; i < 1200; i++) {
                byte[] payload = {(byte) i};
                submitted.add(senders.submit(() -> batcher.enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), null, payload))))));
            }
            for (var future : submitted) {
                results.add(future.get());
            }
            long stored = 0;
            long full = 0;
            for (CompletableFuture<DeliveryOutcome> result : results) {
                DeliveryOutcome outcome = result.get(30, TimeUnit.SECONDS);
                if (outcome instanceof DeliveryOutcome.Stored done) {
                    stored++;
                    // Completed means committed: a fresh reader sees it.
                    assertThat(store.mailbox().pending(bob.device(), done.envelopes().get(0).id() - 1, 1)).isNotEmpty();
                } else {
                    assertThat(((DeliveryOutcome.Rejected) outcome).reason()).isInstanceOf(MailboxFullException.class);
                    full++;
                }
            }
            assertThat(stored).isEqualTo(1000);
            assertThat(full).isEqualTo(200);

            List<Long> ids = store.mailbox().pending(bob.device(), 0, 10).stream().map(Envelope::id).toList();
            batcher.acknowledge(new Acknowledgement(bob.device(), ids)).get(30, TimeUnit.SECONDS);
            assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(990);
        } finally {
            senders.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void closeCommitsWhatIsQueuedAndRefusesMore(Backend backend) throws Exception {
        Store store = open(backend);
        Registration bob = register(store, "bob");
        MailboxBatcher batcher = new MailboxBatcher(store.mailbox(), 10);
        List<CompletableFuture<DeliveryOutcome>> results = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            results.add(batcher.enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), null, new byte[] {1})))));
        }
        batcher.close();
        assertThat(results).allMatch(result -> result.isDone() && !result.isCompletedExceptionally());
        assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(25);
        assertThatThrownBy(() -> batcher.enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), null, new byte[] {1})))))
                .isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aDatabaseFailureFailsTheBatchsFutures(Backend backend) throws Exception {
        Store store = open(backend);
        Registration bob = register(store, "bob");
        harness.store().close(); // the pools are gone: every transaction fails
        try (MailboxBatcher batcher = new MailboxBatcher(store.mailbox(), 10)) {
            CompletableFuture<DeliveryOutcome> result = batcher.enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), null, new byte[] {1}))));
            assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(RuntimeException.class);
        }
        harness.restart();
    }
}
