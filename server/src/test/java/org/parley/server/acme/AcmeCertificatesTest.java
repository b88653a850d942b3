package org.parley.server.acme;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class AcmeCertificatesTest {
    @Test
    void aFailedRenewalIsRetriedAfterADoublingDelayNeverLongerThanTheCheckInterval() {
        Duration twelveHours = Duration.ofHours(12);
        assertThat(AcmeCertificates.retryDelay(1, twelveHours)).isEqualTo(Duration.ofMinutes(1));
        assertThat(AcmeCertificates.retryDelay(2, twelveHours)).isEqualTo(Duration.ofMinutes(2));
        assertThat(AcmeCertificates.retryDelay(10, twelveHours)).isEqualTo(Duration.ofMinutes(512));
        assertThat(AcmeCertificates.retryDelay(11, twelveHours)).isEqualTo(twelveHours);
        assertThat(AcmeCertificates.retryDelay(1_000, twelveHours)).as("no overflow").isEqualTo(twelveHours);
        assertThat(AcmeCertificates.retryDelay(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    }
}
