package org.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.Username;
import org.parley.server.storage.Database;
import org.parley.server.storage.Dialect;
import org.parley.server.storage.Migrations;
import org.parley.server.storage.Sql;
import org.parley.server.storage.StoreUrl;
import org.parley.server.testing.TestClient;

/**
 * The upgrade from the previous release's data: the checked-in script src/test/fixtures/v6-data-folder.sh
 * builds a data folder at schema V6 (accounts, devices, sealed mail, an attachment, as V6 stored
 * them); the current server starts on it, migrates it, and the account's device signs in, drains
 * its mailbox and downloads the attachment.
 */
class UpgradeFromPreviousSchemaTest extends ServerTestBase {
    private static final Path SCRIPT = Path.of("src/test/fixtures/v6-data-folder.sh");
    private static final HexFormat HEX = HexFormat.of();
    private ServerStores stores;

    /** Runs before the base class's clean-up: the server goes first, then the stores it used. */
    @AfterEach
    void closeServerAndStores() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (stores != null) {
            stores.close();
        }
    }

    @Test
    void accountsMailAndAttachmentsOfAV6DataFolderSurviveTheUpgrade() throws Exception {
        Path data = tempDir.resolve("v6");
        buildFixture(data);
        try (Database before = Database.connect(StoreUrl.sqliteIn(data))) {
            assertThat(before.read(Migrations::currentVersion)).as("the fixture is the previous schema").isEqualTo(6);
        }

        stores = ServerStores.open(StoreConfig.forDataDirectory(data, null));
        server = ParleyServer.start(testConfig(), stores);
        try (Database after = Database.connect(StoreUrl.sqliteIn(data))) {
            assertThat(after.read(Migrations::currentVersion)).isEqualTo(Migrations.latestVersion(Dialect.SQLITE));
            long withoutChecksum = after.read(connection -> Sql.queryLong(connection, "SELECT COUNT(*) FROM schema_version WHERE checksum IS NULL"));
            assertThat(withoutChecksum).as("the versions V6 recorded got their checksums").isZero();
        }
        assertThat(stores.accounts().findByUsername(Username.parse("ben"))).isPresent();

        byte[] mailboxPrivate = filled(0x22);
        byte[][] mailboxKeys = {mailboxPrivate, new X25519PrivateKeyParameters(mailboxPrivate, 0).generatePublicKey().getEncoded()};
        TestClient ann = connect();
        ServerFrame signedIn = ann.authenticateAs(HEX.parseHex("0a000000000000000000000000000001"), HEX.parseHex("0d000000000000000000000000000001"),
                new Ed25519PrivateKeyParameters(filled(0x11), 0), mailboxKeys);
        assertThat(signedIn.hasAuthenticated()).as("%s", signedIn).isTrue();
        List<Deliver> mail = ann.drainMailbox();
        assertThat(mail).extracting(copy -> copy.getPayload().toStringUtf8()).as("opened with ann's mailbox key")
                .containsExactly("hello from before the upgrade", "second message kept across V7");
        assertThat(mail).extracting(Deliver::getEnvelopeId).as("under the ids V6 gave them").containsExactly(17L, 18L);

        HttpResponse<String> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.address().getPort() + "/v1/attachments/a1b2c3d4e5f60718293a4b5c6d7e8f90")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo("the attachment, stored by a V6 server");
    }

    private static void buildFixture(Path data) throws Exception {
        boolean sqlite3 = Files.isExecutable(Path.of("/usr/bin/sqlite3")) || onPath("sqlite3");
        if (!sqlite3 && "1".equals(System.getenv("PARLEY_REQUIRE_SQLITE3"))) {
            throw new AssertionError("PARLEY_REQUIRE_SQLITE3=1 but the sqlite3 command is not installed (apt-get install sqlite3)");
        }
        Assumptions.assumeTrue(sqlite3, "the V6 fixture script needs the sqlite3 command (Debian package sqlite3)");
        Process script = new ProcessBuilder("sh", SCRIPT.toString(), data.toString()).redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(script.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(script.exitValue()).as(output).isZero();
    }

    private static boolean onPath(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
