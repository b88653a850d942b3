package org.parley.cli;

import com.google.protobuf.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.MailboxSeal;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

class AdminCommandTest {
    @TempDir
    Path data;

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    @Test
    void discloseListsEveryRowAboutTheAccountAndNoContent() throws Exception {
        byte[] identityKey = random(32);
        byte[] mailboxKey = MailboxSeal.generateKeyPair()[1];
        byte[] payload = random(100);
        try (ServerStores store = ServerStores.open(StoreConfig.forDataDirectory(data, null))) {
            Registration alice = store.accounts().register(Username.parse("alice"), identityKey, mailboxKey, random(32), null);
            Registration bob = store.accounts().register(Username.parse("bob"), random(32), MailboxSeal.generateKeyPair()[1], null, null);
            store.keyPackages().upload(alice.device(), List.of(new byte[] {1}, new byte[] {2}));
            store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(alice.device(), ByteString.copyFrom(payload)),
                    new NewEnvelope(bob.device(), ByteString.copyFrom(payload)))));
        }
        MainTest.Result result = parley("admin", "disclose", "Alice", "--data", data.toString());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("Everything this server stores about the account 'alice'")
                .contains("accounts (1 row)", "devices (1 row)", "envelopes (1 row)", "key_packages (2 rows)", "mailbox_usage (1 row)")
                .contains("identity_key = " + HexFormat.of().formatHex(identityKey))
                .contains("mailbox_key = " + HexFormat.of().formatHex(mailboxKey))
                .contains("payload = 100 bytes, not shown").contains("access_key_hash = set")
                .doesNotContain(HexFormat.of().formatHex(payload, 0, 16)).doesNotContain("bob");
    }

    @Test
    void discloseOfAnUnknownUserFailsWithExitCodeOne() {
        ServerStores.open(StoreConfig.forDataDirectory(data, null)).close();
        MainTest.Result result = parley("admin", "disclose", "nobody", "--data", data.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("no account named 'nobody'");
    }

    @Test
    void aFolderWithoutADatabaseIsAnErrorNotANewServer() {
        MainTest.Result result = parley("admin", "stats", "--data", data.resolve("typo").toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("no Parley database").contains("--data");
    }

    @Test
    void inviteCodesWorkOnceAndStatsCountAccounts() throws Exception {
        ServerStores.open(StoreConfig.forDataDirectory(data, null)).close();
        MainTest.Result invite = parley("admin", "invite", "--data", data.toString());
        assertThat(invite.code()).isZero();
        String code = invite.out().strip();
        assertThat(code).matches("[0-9a-f]{16,}");
        try (ServerStores store = ServerStores.open(StoreConfig.forDataDirectory(data, null))) {
            store.accounts().register(Username.parse("carol"), random(32), MailboxSeal.generateKeyPair()[1], null, HexFormat.of().parseHex(code));
        }
        MainTest.Result stats = parley("admin", "stats", "--data", data.toString());
        assertThat(stats.code()).isZero();
        JsonNode json = new ObjectMapper().readTree(stats.out());
        assertThat(json.get("accounts").asLong()).isEqualTo(1);
        assertThat(json.get("devices").asLong()).isEqualTo(1);
    }
}
