package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.accounts.Registration;
import org.parley.server.attachments.AttachmentId;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.RoutingId;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.storage.Secrets;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.StoreContract;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One retention period (parley server --retention-days) for everything that is kept only because it was once used. */
class RetentionTest extends StoreContract {

    private static void commit(ServerStores store, RoutingId group, long epoch, EpochKey signer, EpochKey next) {
        store.mailbox().enqueue(new Delivery(List.of(), store.groups().commit(
                EpochKey.commit(group, epoch, CommitId.of(new byte[] {(byte) epoch}), new byte[] {1}, signer, next))));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void whatIsUnusedForTheConfiguredPeriodGoesAndWhatIsUsedStays(Backend backend) throws Exception {
        ServerStores store = open(backend, config -> config.withRetentionDays(10));
        assertThat(store.config().retentionDays()).isEqualTo(10);
        Registration present = register(store, "present");
        Registration absent = register(store, "absent");
        store.keyPackages().upload(present.device(), List.of(new byte[] {1}, new byte[] {2}));
        store.keyPackages().upload(absent.device(), List.of(new byte[] {3}));
        store.keyPackages().setLastResort(absent.device(), new byte[] {4});
        RoutingId quiet = RoutingId.of(Secrets.random(32));
        RoutingId busy = RoutingId.of(Secrets.random(32));
        EpochKey quietKey = EpochKey.random();
        EpochKey busyKey = EpochKey.random();
        commit(store, quiet, 0, null, quietKey);
        commit(store, busy, 0, null, busyKey);
        store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(absent.device(), ByteString.copyFrom(new byte[] {9})))));
        AttachmentId old = store.attachments().store(new ByteArrayInputStream(new byte[10])).id();

        harness.clock.advance(Duration.ofDays(6));
        store.accounts().recordConnection(present.device());
        commit(store, busy, 1, busyKey, EpochKey.random());
        AttachmentId recent = store.attachments().store(new ByteArrayInputStream(new byte[10])).id();
        assertThat(store.deleteUnused().total()).as("nothing is 10 days old yet").isZero();

        harness.clock.advance(Duration.ofDays(5));
        ServerStores.Deleted deleted = store.deleteUnused();
        assertThat(deleted).isEqualTo(new ServerStores.Deleted(1, 1, 2, 1));
        assertThat(store.groups().state(quiet)).isEmpty();
        assertThat(store.groups().state(busy)).isPresent();
        assertThat(store.keyPackages().count(absent.device())).isZero();
        assertThat(store.keyPackages().claim(absent.account())).as("the last-resort package went too").isEmpty();
        assertThat(store.keyPackages().count(present.device())).isEqualTo(2);
        assertThat(store.attachments().open(old)).isEmpty();
        assertThat(store.attachments().open(recent)).isPresent();
        assertThat(store.mailbox().usage(absent.device()).messages()).isZero();
        assertThat(store.accounts().devices(absent.account())).as("people's accounts and devices stay").hasSize(1);
        assertThat(store.deleteUnused().total()).as("a second pass finds nothing").isZero();
    }

    @Test
    void theRetentionPeriodIsAtLeastADay() {
        StoreConfig config = StoreConfig.forDataDirectory(Path.of("unused"), null);
        assertThat(config.retentionDays()).as("the default").isEqualTo(30);
        assertThatThrownBy(() -> config.withRetentionDays(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.withRetentionDays(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(config.withRetentionDays(365).mailboxLimits().retention()).isEqualTo(Duration.ofDays(365));
    }
}
