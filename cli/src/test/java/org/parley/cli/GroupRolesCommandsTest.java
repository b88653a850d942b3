package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.parley.client.ParleyClient;
import org.parley.client.testkit.HostileMember;
import org.parley.client.testkit.TempProfiles;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code parley group} as people use it: only admins add, remove, rename and promote; everyone
 * sees who the admins are; a group that poses as someone's 1:1 is refused with a warning.
 */
class GroupRolesCommandsTest extends LiveServerCommandsTest {
    @Test
    void onlyAdminsChangeAGroupAndEveryoneSeesWhoTheyAre() {
        register("alice", "bob", "carol", "dave");
        ok("alice", "group", "create", "team", "--members", "bob,carol");
        ok("bob", "accept", "alice");
        ok("carol", "accept", "alice");
        assertThat(ok("bob", "group", "list").out()).contains("group team  (alice, bob, carol)  admins: alice");

        MainTest.Result add = as("bob", "group", "add", "team", "dave");
        assertThat(add.code()).isEqualTo(1);
        assertThat(add.err()).contains("only an admin of 'team' can add members; ask alice");
        assertThat(as("bob", "group", "remove", "team", "carol").err()).contains("only an admin of 'team' can remove members; ask alice");
        assertThat(as("bob", "group", "rename", "team", "crew").err()).contains("only an admin of 'team' can rename it; ask alice");
        assertThat(as("bob", "group", "promote", "team", "bob").err()).contains("only an admin of 'team' can promote members; ask alice");

        assertThat(ok("alice", "group", "promote", "team", "bob").out()).contains("bob is now an admin of team");
        assertThat(as("alice", "group", "promote", "team", "bob").err()).contains("bob is already an admin of 'team'");
        assertThat(as("alice", "group", "promote", "team", "dave").err()).contains("dave is not in 'team'; add them first");
        assertThat(ok("bob", "receive").out()).contains("* team: alice changed the admins; admins: alice, bob");
        assertThat(ok("bob", "group", "rename", "team", "crew").out()).contains("Renamed group team to crew");
        assertThat(ok("carol", "receive").out()).contains("* crew: bob renamed the group (it was team); admins: alice, bob");
        assertThat(ok("carol", "group", "members", "crew").out().lines().toList())
                .containsExactly("alice  (admin)", "bob  (admin)", "carol");
        assertThat(as("alice", "group", "members", "team").err()).contains("no group called 'team'");

        ok("bob", "group", "add", "crew", "dave");
        ok("dave", "accept", "bob");
        ok("dave", "send", "--group", "crew", "hello", "crew");
        assertThat(ok("carol", "receive").out()).contains("dave → crew: hello crew");
        assertThat(as("carol", "group", "remove", "crew", "dave").err())
                .contains("only an admin of 'crew' can remove members; ask alice or bob");
    }

    @Test
    void theDaemonRenamesAndPromotesForAdminsOnly() throws Exception {
        register("alice", "bob");
        ok("alice", "group", "create", "team", "--members", "bob");
        ok("bob", "accept", "alice");
        List<JsonNode> alice = daemon("alice",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"promote\",\"params\":{\"group\":\"team\",\"member\":\"bob\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"renameGroup\",\"params\":{\"group\":\"team\",\"name\":\"crew\"}}");
        assertThat(alice.get(0).get("result").get("admins")).extracting(JsonNode::asText).containsExactly("alice", "bob");
        assertThat(alice.get(1).get("result").get("name").asText()).isEqualTo("crew");

        register("carol");
        ok("alice", "group", "add", "crew", "carol");
        ok("carol", "accept", "alice");
        List<JsonNode> carol = daemon("carol",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"renameGroup\",\"params\":{\"group\":\"crew\",\"name\":\"mine\"}}");
        assertThat(carol.get(0).get("error").get("message").asText()).contains("only an admin of 'crew' can rename it; ask alice");
    }

    /** Runs {@code user}'s JSON-RPC daemon over {@code requests} and returns its answers, in order. */
    private List<JsonNode> daemon(String user, String... requests) throws Exception {
        DaemonCommand.input = new ByteArrayInputStream(String.join("\n", requests).concat("\n").getBytes(StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        try {
            Main.run(new String[] {"--profile", temp.resolve(user).toString(), "daemon", "--jsonrpc"},
                    new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        } finally {
            DaemonCommand.input = null;
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> answers = new ArrayList<>();
        for (String line : out.toString().lines().toList()) {
            JsonNode node = json.readTree(line);
            if (node.has("id")) {
                answers.add(node);
            }
        }
        assertThat(answers).hasSize(requests.length);
        return answers;
    }

    @Test
    void aFalse1to1IsRefusedWithAWarningAndSendGoesToTheReal1to1() throws Exception {
        register("carol", "dave");
        try (TempProfiles hostile = new TempProfiles(temp.resolve("hostile"))) {
            ParleyClient zed = hostile.signedIn("zed", server.address(), 5);
            new HostileMember(zed).falseDirect("carol", "dave");
            String warning = "* WARNING: zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused.";
            assertThat(ok("dave", "receive").out()).contains(warning).doesNotContain("a message in the false 1:1");
            assertThat(ok("dave", "send", "carol", "only", "for", "carol").out()).contains("Sent to carol");
            assertThat(ok("carol", "receive").out()).contains(warning).contains("Message request from dave (unconfirmed) (1 message)");
            ok("carol", "accept", "dave");
            assertThat(ok("carol", "receive").out()).contains("dave → carol: only for carol");
            assertThat(ok("dave", "group", "list").out().lines().toList()).containsExactly("1:1   carol  (carol, dave)");
            assertThat(zed.conversations().list()).isEmpty();
        }
    }

    @Test
    void aMemberWhoIsNotAnAdminBringsItsOwnNewDevice() throws Exception {
        register("alice", "bob");
        ok("alice", "group", "create", "team", "--members", "bob");
        ok("bob", "accept", "alice");
        Linking.Linked linked = Linking.link(temp.resolve("laptop").toString(), temp.resolve("bob").toString(), server.url());
        assertThat(linked.approver().code()).as(linked.approver().err()).isZero();
        assertThat(ok("laptop", "group", "list").out()).contains("group team  (alice, bob)  admins: alice");
        ok("alice", "send", "--group", "team", "to", "all", "of", "you");
        assertThat(ok("laptop", "receive").out()).contains("alice → team: to all of you");
        ok("laptop", "send", "--group", "team", "from", "the", "laptop");
        assertThat(ok("alice", "receive").out()).contains("bob → team: from the laptop");
    }
}
