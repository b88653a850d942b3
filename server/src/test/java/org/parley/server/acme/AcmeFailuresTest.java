package org.parley.server.acme;

import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSON;

import java.net.ConnectException;
import java.net.URI;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the operator reads when the CA says no: what to fix, in one line. */
class AcmeFailuresTest {
    private static final URI DIRECTORY = URI.create("https://ca.example/directory");

    @Test
    void eachValidationProblemNamesItsFix() throws Exception {
        assertThat(challenge("dns", "NXDOMAIN looking up A for chat.example.org").getMessage())
                .startsWith("cannot get a certificate: the CA cannot resolve chat.example.org: give it a DNS A")
                .endsWith("(CA: NXDOMAIN looking up A for chat.example.org)");
        assertThat(challenge("connection", "Connection refused").getMessage())
                .contains("cannot connect to chat.example.org for http-01 on port 80: open port 80 to the internet");
        assertThat(challenge("unauthorized", "Invalid response from http://chat.example.org/...").getMessage())
                .contains("its DNS record probably points elsewhere");
        assertThat(challenge("caa", "CAA record forbids").getMessage()).contains("CAA record");
        assertThat(challenge("serverInternal", "oops\nsecond line\u001b[0m").getMessage())
                .contains("could not validate chat.example.org through http-01 on port 80").doesNotContain("\n").doesNotContain("\u001b");
    }

    @Test
    void aRateLimitSaysWhenToRetry() throws Exception {
        Instant retry = Instant.parse("2026-12-07T10:00:00Z");
        CertificateUnavailableException failure = AcmeFailures.of(
                new AcmeRateLimitedException(problem("rateLimited", "too many certificates already issued"), retry, List.of()), DIRECTORY);
        assertThat(failure.getMessage()).contains("the CA rate-limits").contains("retry after 2026-12-07T10:00:00Z")
                .contains("too many certificates");
    }

    @Test
    void anUnreachableCaAndARefusalNameTheDirectory() throws Exception {
        assertThat(AcmeFailures.of(new AcmeNetworkException(new ConnectException("Connection refused")), DIRECTORY).getMessage())
                .isEqualTo("cannot get a certificate: cannot reach the ACME CA at https://ca.example/directory (ConnectException:"
                        + " Connection refused): check this machine's outgoing HTTPS, its DNS and --acme-directory");
        assertThat(AcmeFailures.of(new AcmeServerException(problem("rejectedIdentifier", "no")), DIRECTORY).getMessage())
                .contains("the ACME CA at https://ca.example/directory refused (rejectedIdentifier)");
    }

    private static CertificateUnavailableException challenge(String type, String detail) throws Exception {
        return AcmeFailures.challengeFailed("chat.example.org", "http-01", 80, problem(type, detail));
    }

    private static Problem problem(String type, String detail) throws Exception {
        return new Problem(JSON.parse("{\"type\": \"urn:ietf:params:acme:error:" + type + "\", \"detail\": "
                + com.fasterxml.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(detail) + "}"),
                DIRECTORY.toURL());
    }
}
