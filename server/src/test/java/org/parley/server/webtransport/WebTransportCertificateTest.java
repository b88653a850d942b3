package org.parley.server.webtransport;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class WebTransportCertificateTest {
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");

    @Test
    void meetsTheBrowsersRulesForServerCertificateHashes() throws Exception {
        WebTransportCertificate made = WebTransportCertificate.generate(NOW, new SecureRandom());
        var certificate = made.certificate();
        certificate.checkValidity(java.util.Date.from(NOW));
        certificate.verify(certificate.getPublicKey());
        assertThat(((ECPublicKey) certificate.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(certificate.getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
        Duration validity = Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
        assertThat(validity).isLessThanOrEqualTo(Duration.ofDays(14));
        assertThat(made.sha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        assertThat(made.toString()).doesNotContain(made.key().toString());
    }

    @Test
    void isDueForRotationWithinTheMarginOfItsExpiry() {
        WebTransportCertificate made = WebTransportCertificate.generate(NOW, new SecureRandom());
        Duration margin = WebTransportServer.ROTATION_MARGIN;
        assertThat(made.dueForRotation(NOW, margin)).isFalse();
        assertThat(made.dueForRotation(made.notAfter().minus(margin).minusSeconds(1), margin)).isFalse();
        assertThat(made.dueForRotation(made.notAfter().minus(margin), margin)).isTrue();
    }

    @Test
    void everyCertificateHasItsOwnKeyAndHash() {
        SecureRandom random = new SecureRandom();
        WebTransportCertificate first = WebTransportCertificate.generate(NOW, random);
        WebTransportCertificate second = WebTransportCertificate.generate(NOW, random);
        assertThat(first.sha256()).isNotEqualTo(second.sha256());
        assertThat(first.certificate().getPublicKey()).isNotEqualTo(second.certificate().getPublicKey());
    }
}
