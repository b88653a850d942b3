package org.parley.server.acme;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AcmeSettingsTest {
    private static final Path STATE = Path.of("data", "acme");

    @Test
    void namesAreLowerCasedPunycodedAndDeduplicatedInOrder() {
        AcmeSettings settings = AcmeSettings.forDomains(List.of("Chat.Example.ORG.", "bücher.example", "chat.example.org"), STATE);
        assertThat(settings.domains()).containsExactly("chat.example.org", "xn--bcher-kva.example");
        assertThat(settings.mainDomain()).isEqualTo("chat.example.org");
        assertThat(settings.directory()).isEqualTo(AcmeSettings.LETS_ENCRYPT);
        assertThat(settings.httpPort()).hasValue(80);
        assertThat(settings.withHttpPort(0).httpPort()).isEmpty();
    }

    @Test
    void whatCannotBeOnACertificateFromHttpOrTlsValidationIsRefusedWithTheReason() {
        for (String bad : List.of("1.2.3.4", "localhost", "-bad.example.org", "a..example.org", "exa mple.org", "x".repeat(64) + ".org",
                "chat.example.org/path", "", "\u001b[31mevil.example")) {
            assertThatThrownBy(() -> AcmeSettings.forDomains(List.of(bad), STATE)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--domain takes a DNS name")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
        }
        assertThatThrownBy(() -> AcmeSettings.forDomains(List.of("*.example.org"), STATE)).hasMessageContaining("wildcard needs the DNS-01");
        assertThatThrownBy(() -> AcmeSettings.forDomains(List.of(), STATE)).hasMessageContaining("at least one DNS name");
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= AcmeSettings.MAX_DOMAINS; i++) {
            many.add("n" + i + ".example.org");
        }
        assertThatThrownBy(() -> AcmeSettings.forDomains(many, STATE)).hasMessageContaining("at most 100 --domain names");
        assertThatThrownBy(() -> AcmeSettings.forDomains(List.of("a" + ".b".repeat(130)), STATE)).hasMessageStartingWith("--domain takes");
    }

    @Test
    void theDirectoryEmailAndPortAreChecked() {
        AcmeSettings settings = AcmeSettings.forDomains(List.of("chat.example.org"), STATE);
        assertThatThrownBy(() -> settings.withDirectory(URI.create("http://ca.example/directory")))
                .hasMessageContaining("--acme-directory must be an https:// URL");
        assertThatThrownBy(() -> settings.withDirectory(URI.create("directory"))).hasMessageContaining("https://");
        assertThat(settings.withEmail("admin@example.org").email()).hasValue("admin@example.org");
        for (String bad : List.of("admin", "a@b", "a b@example.org", "a@example.org,b@example.org", "x".repeat(250) + "@example.org")) {
            assertThatThrownBy(() -> settings.withEmail(bad)).as(bad).hasMessageContaining("--acme-email must be one e-mail address");
        }
        assertThatThrownBy(() -> settings.withHttpPort(65536)).hasMessageContaining("--acme-http-port must be from 1 to 65535");
        assertThatThrownBy(() -> settings.withHttpPort(-1)).hasMessageContaining("--acme-http-port");
    }
}
