package org.parley.client.keys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.account.TestAccounts;
import org.parley.client.store.ProfileStore;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.tree.Lifetime;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Key packages say no more than the day their device was active (RFC 9420 section 7.2 Lifetime, rounded). */
class KeyPackageLifetimeTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant DAY = Instant.parse("2026-12-04T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theLifetimeStartsAtAUtcDayAnHourOrMoreBeforeNow() {
        assertThat(KeyPackages.lifetime(Instant.parse("2026-12-04T13:47:12Z")))
                .isEqualTo(new Lifetime(DAY.getEpochSecond(), DAY.plus(Duration.ofDays(90)).getEpochSecond()));
        assertThat(KeyPackages.lifetime(Instant.parse("2026-12-04T23:59:59Z")).notBefore()).isEqualTo(DAY.getEpochSecond());
        assertThat(KeyPackages.lifetime(Instant.parse("2026-12-04T01:00:00Z")).notBefore()).isEqualTo(DAY.getEpochSecond());
        // Shortly after midnight, a clock an hour behind must still take the package: it starts the day before.
        assertThat(KeyPackages.lifetime(Instant.parse("2026-12-04T00:20:00Z")).notBefore())
                .isEqualTo(DAY.minus(Duration.ofDays(1)).getEpochSecond());
        for (String time : new String[] {"2026-12-04T00:00:00Z", "2026-12-04T00:59:59Z", "2026-12-04T07:07:07Z"}) {
            Instant now = Instant.parse(time);
            Lifetime lifetime = KeyPackages.lifetime(now);
            assertThat(lifetime.notBefore() % 86_400).as(time).isZero();
            assertThat(lifetime.notAfter() % 86_400).as(time).isZero();
            assertThat(lifetime.contains(now.getEpochSecond() - 3600)).as(time).isTrue();
            assertThat(lifetime.contains(now.plus(Duration.ofDays(88)).getEpochSecond())).as(time).isTrue();
        }
        assertThat(KeyPackages.lifetime(Instant.parse("1970-01-01T00:30:00Z")).notBefore()).as("never before 1970").isZero();
    }

    @Test
    void packagesMadeAtDifferentTimesOfOneDayCarryTheSameTimes() {
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            var identity = TestAccounts.newAccount("alice", RANDOM);
            KeyPackageBundle morning = new KeyPackages(store, identity, RANDOM,
                    Clock.fixed(Instant.parse("2026-12-04T08:13:01Z"), ZoneOffset.UTC)).create(false);
            KeyPackageBundle evening = new KeyPackages(store, identity, RANDOM,
                    Clock.fixed(Instant.parse("2026-12-04T21:42:59Z"), ZoneOffset.UTC)).create(true);
            Lifetime lifetime = morning.keyPackage().leafNode().lifetime();
            assertThat(lifetime.notBefore()).isEqualTo(DAY.getEpochSecond());
            assertThat(evening.keyPackage().leafNode().lifetime()).isEqualTo(lifetime);
        }
    }
}
