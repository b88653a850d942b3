package org.parley.cli;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code parley server --alternate} and {@code parley servers} as an operator and a user meet them:
 * a real server process announces its alternates, the user's profile lists them after the address
 * it registered with, and the user adds and removes their own.
 */
class ServersCommandTest {
    private static final String BRIDGE = "parley://bridge?host=127.0.0.2&port=8443&pin=" + "A".repeat(43);

    @TempDir
    Path temp;

    @Test
    void theServerAnnouncesItsAlternatesAndTheUserListsAddsAndRemovesAddresses() throws Exception {
        Path data = temp.resolve("data");
        UserCommands users = new UserCommands(new TempProfiles(temp));
        try (ServerProcess server = ServerProcess.start(data, "sqlite:" + data.resolve("parley.db"), temp.resolve("server.err"),
                "--alternate", "https://alt.example:8443", "--alternate", BRIDGE)) {
            String home = "http://127.0.0.1:" + server.port;
            users.ok("alice", "register", "alice", "--server", home);
            users.ok("alice", "devices"); // signs in once

            String listed = users.ok("alice", "servers").out();
            String serverKey = HexFormat.of().formatHex(new Ed25519PrivateKeyParameters(
                    Files.readAllBytes(data.resolve("server-key")), 0).generatePublicKey().getEncoded());
            assertThat(listed.lines()).containsExactly(
                    "1  " + home + "  registered  (worked last)",
                    "2  https://alt.example:8443  announced by the server",
                    "3  " + BRIDGE + "&server=" + java.net.URLEncoder.encode(home, java.nio.charset.StandardCharsets.UTF_8)
                            + "  announced by the server",
                    "server key: " + serverKey);

            assertThat(users.ok("alice", "servers", "add", "https://mine.example").out()).contains("Added https://mine.example:443");
            assertThat(users.ok("alice", "servers").out().lines().toList().get(1)).isEqualTo("2  https://mine.example:443  added");
            refused(users, "in the list already", "servers", "add", "https://mine.example:443");
            refused(users, "http://HOST:PORT", "servers", "add", "ftp://nowhere");
            refused(users, "the address this device registered with", "servers", "remove", "1");
            refused(users, "announced by the server", "servers", "remove", "https://alt.example:8443");
            refused(users, "no address number 9", "servers", "remove", "9");

            assertThat(users.ok("alice", "servers", "remove", "2").out()).contains("Removed https://mine.example:443");
            assertThat(users.ok("alice", "servers").out()).doesNotContain("mine.example");
            users.ok("alice", "servers", "add", "https://mine.example");
            users.ok("alice", "servers", "remove", "https://mine.example:443");
            assertThat(users.ok("alice", "servers").out().lines()).hasSize(4);
        }
    }

    private static void refused(UserCommands users, String why, String... args) {
        MainTest.Result result = users.as("alice", args);
        assertThat(result.code()).as("%s", String.join(" ", args)).isOne();
        assertThat(result.err()).contains(why);
    }

    @Test
    void tooManyAlternatesOrOneThatIsNoAddressAreUserErrors() {
        MainTest.Result junk = MainTest.parley("server", "--data", temp.resolve("x").toString(), "--alternate", "not-a-url");
        assertThat(junk.code()).isNotZero();
        assertThat(junk.err()).contains("not-a-url");
        String[] seventeen = new String[2 + 34];
        seventeen[0] = "server";
        seventeen[1] = "--data=" + temp.resolve("y");
        for (int i = 0; i < 17; i++) {
            seventeen[2 + 2 * i] = "--alternate";
            seventeen[3 + 2 * i] = "https://a" + i + ".example";
        }
        MainTest.Result many = MainTest.parley(seventeen);
        assertThat(many.code()).isNotZero();
        assertThat(many.err()).contains("at most 16");
        assertThat(temp.resolve("x")).doesNotExist();
    }
}
