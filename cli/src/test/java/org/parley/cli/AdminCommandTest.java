package org.parley.cli;

import org.parley.protocol.MailboxSeal;
import com.google.protobuf.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

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
    void discloseHoldsOnlyTheAllowedFields() throws Exception {
        byte[] identityKey = random(32);
        try (ServerStores store = ServerStores.open(StoreConfig.forDataDirectory(data, null))) {
            Registration alice = store.accounts().register(Username.parse("alice"), identityKey, MailboxSeal.generateKeyPair()[1], random(32), null);
            Registration bob = store.accounts().register(Username.parse("bob"), random(32), MailboxSeal.generateKeyPair()[1], null, null);
            store.keyPackages().upload(alice.device(), List.of(new byte[] {1}, new byte[] {2}));
            store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(alice.device(), ByteString.copyFrom(new byte[100])))));
        }
        MainTest.Result result = parley("admin", "disclose", "Alice", "--data", data.toString());
        assertThat(result.code()).as(result.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertThat(fieldNames(json)).containsExactlyInAnyOrder(
                "created", "lastConnectionDay", "devices", "keyPackages", "pendingMessages", "pendingBytes");
        assertThat(json.get("devices")).hasSize(1);
        assertThat(fieldNames(json.get("devices").get(0))).containsExactlyInAnyOrder("id", "identityKey");
        assertThat(json.get("devices").get(0).get("identityKey").asText()).isEqualTo(HexFormat.of().formatHex(identityKey));
        assertThat(json.get("keyPackages").asLong()).isEqualTo(2);
        assertThat(json.get("pendingMessages").asLong()).isEqualTo(1);
        assertThat(json.get("pendingBytes").asLong()).isEqualTo(100);
        assertThat(result.out()).doesNotContain("alice").doesNotContain("bob");
    }

    private static Set<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return Set.copyOf(names);
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
