package org.parley.server.acme;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AcmeStateTest {
    @TempDir
    Path data;

    @Test
    void keysAreKeptOwnerOnlyAndReadBack() throws Exception {
        Path folder = data.resolve("acme");
        AcmeState state = new AcmeState(folder);
        var account = state.accountKey();
        assertThat(new AcmeState(folder).accountKey().getPublic()).as("the same account next time").isEqualTo(account.getPublic());
        Instant now = Instant.now();
        TestCertificates.Issued issued = TestCertificates.issue(now, now.plus(Duration.ofDays(90)), "chat.example.org");
        state.saveCertificate(issued.key(), issued.chain());
        Credential read = new AcmeState(folder).certificate().orElseThrow();
        assertThat(read.chain()).isEqualTo(issued.chain());
        assertThat(read.key()).isEqualTo(issued.key().getPrivate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
        for (String file : new String[] {AcmeState.ACCOUNT_KEY, AcmeState.CERTIFICATE_KEY, AcmeState.CERTIFICATE_CHAIN}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve(file)))).as(file).isEqualTo("rw-------");
        }
        try (var files = Files.list(folder)) {
            assertThat(files.map(path -> path.getFileName().toString())).as("no temporary file left")
                    .containsExactlyInAnyOrder(AcmeState.ACCOUNT_KEY, AcmeState.CERTIFICATE_KEY, AcmeState.CERTIFICATE_CHAIN);
        }
    }

    @Test
    void aDamagedMismatchedOrOversizedCertificateIsOrderedAgainNotServed() throws Exception {
        Path folder = data.resolve("acme");
        AcmeState state = new AcmeState(folder);
        Instant now = Instant.now();
        TestCertificates.Issued issued = TestCertificates.issue(now, now.plus(Duration.ofDays(90)), "chat.example.org");
        TestCertificates.Issued other = TestCertificates.issue(now, now.plus(Duration.ofDays(90)), "chat.example.org");
        state.saveCertificate(issued.key(), other.chain());
        assertThat(state.certificate()).as("a chain of another key").isEmpty();

        state.saveCertificate(issued.key(), issued.chain());
        Path chain = folder.resolve(AcmeState.CERTIFICATE_CHAIN);
        String pem = Files.readString(chain);
        Files.writeString(chain, pem.substring(0, pem.length() / 2));
        assertThat(state.certificate()).as("a truncated chain").isEmpty();
        Files.writeString(chain, "");
        assertThat(state.certificate()).as("an empty chain").isEmpty();
        Files.write(chain, new byte[300 * 1024]);
        assertThat(state.certificate()).as("an oversized file").isEmpty();
        Files.writeString(folder.resolve(AcmeState.CERTIFICATE_KEY), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThat(state.certificate()).as("a damaged key").isEmpty();
    }

    @Test
    void aDamagedAccountKeyIsAnErrorThatSaysWhatToDo() throws Exception {
        Path folder = Files.createDirectories(data.resolve("acme"));
        Files.writeString(folder.resolve(AcmeState.ACCOUNT_KEY), "not a key");
        assertThatThrownBy(() -> new AcmeState(folder).accountKey()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(AcmeState.ACCOUNT_KEY + " is not a PEM key pair: move it away");
    }
}
