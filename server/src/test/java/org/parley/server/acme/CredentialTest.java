package org.parley.server.acme;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CredentialTest {
    @Test
    void dueWhenAThirdOfTheValidityIsLeft() throws Exception {
        Instant issued = Instant.parse("2026-01-01T00:00:00Z");
        Credential ninetyDays = TestCertificates.issue(issued, issued.plus(Duration.ofDays(90)), "chat.example.org").credential();
        assertThat(ninetyDays.dueForRenewal(issued.plus(Duration.ofDays(59)))).isFalse();
        assertThat(ninetyDays.dueForRenewal(issued.plus(Duration.ofDays(60)))).as("30 of 90 days left").isTrue();
        assertThat(ninetyDays.expired(issued.plus(Duration.ofDays(89)))).isFalse();
        assertThat(ninetyDays.expired(issued.plus(Duration.ofDays(90)))).isTrue();
    }

    @Test
    void coversOnlyTheNamesOnTheCertificateAndNeverShowsTheKey() throws Exception {
        Instant now = Instant.now();
        Credential credential = TestCertificates.issue(now, now.plus(Duration.ofDays(1)), "chat.example.org", "www.example.org").credential();
        assertThat(credential.covers(List.of("chat.example.org", "www.example.org"))).isTrue();
        assertThat(credential.covers(List.of("chat.example.org", "new.example.org"))).isFalse();
        assertThat(credential.toString()).contains("valid until").doesNotContain(credential.key().toString());
    }
}
