package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;
import static org.parley.client.testkit.Eventually.eventually;

/** Drives send, send-file, receive, group, chat and daemon through Main.run against a real server. */
class ChatCommandsTest extends LiveServerCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void directMessagesFilesAndJson() throws Exception {
        register("alice", "bob");
        ok("alice", "send", "bob", "hello", "there");
        ok("bob", "accept", "alice");
        MainTest.Result received = ok("bob", "receive");
        assertThat(received.out()).matches("(?s)\\[\\d\\d:\\d\\d] alice → bob: hello there\\n");
        assertThat(ok("bob", "receive").out()).as("shown once").isEmpty();

        ok("bob", "send", "alice", "hi", "alice");
        Path file = temp.resolve("plan.txt");
        Files.writeString(file, "the plan");
        ok("alice", "send-file", "bob", file.toString());
        ok("alice", "send", "bob", "did you get it?");
        List<JsonNode> lines = ok("bob", "receive", "--json").out().lines().map(ChatCommandsTest::json).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("sender").asText()).isEqualTo("alice");
        assertThat(lines.get(0).get("conversation").asText()).isEqualTo("alice");
        assertThat(lines.get(0).get("id").asText()).hasSize(32);
        Path saved = Path.of(lines.get(0).get("attachments").get(0).asText());
        assertThat(saved).startsWith(temp.resolve("bob"));
        assertThat(Files.readString(saved)).isEqualTo("the plan");
        assertThat(lines.get(1).get("text").asText()).isEqualTo("did you get it?");
        assertThat(ok("alice", "receive").out()).contains("bob → alice: hi alice");

        MainTest.Result unknown = as("alice", "send", "nobody", "hi");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no user 'nobody'");
        assertThat(as("alice", "send-file", "bob", temp.resolve("missing.txt").toString()).err()).contains("cannot read the file");
        assertThat(as("alice", "send", "bob").err()).contains("nothing to send");
    }

    @Test
    void groupsAddRemoveLeave() {
        register("alice", "bob", "carol", "dave");
        assertThat(ok("alice", "group", "create", "team", "--members", "bob,carol").out()).contains("Created group team with alice, bob, carol");
        assertThat(as("alice", "group", "create", "team", "--members", "bob").err()).contains("already a group called 'team'");
        ok("alice", "send", "--group", "team", "welcome", "all");
        ok("bob", "accept", "alice");
        ok("carol", "accept", "alice");
        assertThat(ok("carol", "receive").out()).contains("alice → team: welcome all");
        assertThat(ok("carol", "group", "list").out()).contains("group team  (alice, bob, carol)  admins: alice");
        assertThat(ok("bob", "group", "members", "team").out().lines().toList()).containsExactly("alice  (admin)", "bob", "carol");

        ok("alice", "group", "remove", "team", "carol");
        ok("alice", "send", "--group", "team", "only", "for", "bob");
        MainTest.Result carol = ok("carol", "receive");
        assertThat(carol.out()).doesNotContain("only for bob").contains("you were removed");
        assertThat(as("carol", "send", "--group", "team", "hello?").err()).contains("no group called 'team'");
        assertThat(ok("bob", "receive").out()).contains("alice → team: only for bob");

        ok("alice", "group", "add", "team", "dave");
        ok("dave", "accept", "team");
        ok("dave", "send", "--group", "team", "hi", "from", "dave");
        assertThat(ok("bob", "receive").out()).contains("dave → team: hi from dave");

        ok("bob", "group", "leave", "team");
        ok("alice", "receive", "--wait", "1");
        assertThat(ok("alice", "group", "members", "team").out().lines().toList()).containsExactly("alice  (admin)", "dave");
        assertThat(as("alice", "group", "remove", "team", "zed").err()).contains("zed is not in 'team'");
        assertThat(as("alice", "group", "members", "nope").err()).contains("no group called 'nope'");
    }

    @Test
    void chatSendsTypedLinesAndDaemonSpeaksJsonRpc() throws Exception {
        register("alice", "bob");
        ok("bob", "send", "alice", "ping");

        ChatCommand.input = new ByteArrayInputStream("hello from chat\n/members\n/bogus\n/quit\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        ChatCommand.output = screen;
        ok("alice", "chat", "bob");
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("Chat with bob").contains("bob → alice: ping").contains("members: alice, bob").contains("unknown command /bogus");
        assertThat(ok("bob", "receive").out()).contains("alice → bob: hello from chat");
        ChatCommand.input = new ByteArrayInputStream("/quit\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        ChatCommand.output = again;
        ok("alice", "chat", "bob");
        assertThat(again.toString(StandardCharsets.UTF_8)).as("bob's read receipt").contains("hello from chat  ✓✓ read by bob");

        PipedOutputStream requests = new PipedOutputStream();
        DaemonCommand.input = new PipedInputStream(requests);
        StringWriter out = new StringWriter();
        Thread daemon = new Thread(() -> Main.run(new String[] {"--profile", temp.resolve("bob").toString(), "daemon", "--jsonrpc"},
                new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
        daemon.start();
        PrintWriter in = new PrintWriter(requests, true, StandardCharsets.UTF_8);
        in.println("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"listGroups\"}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"send\",\"params\":{\"recipient\":\"alice\",\"message\":\"from the daemon\"}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fly\"}");
        in.println("not json");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"createGroup\",\"params\":{\"name\":\"bots\"}}");
        awaitLines(out, 5);
        ok("alice", "send", "bob", "to", "the", "bot");
        awaitContains(out, "\"method\":\"receive\"");
        in.close();
        daemon.join(20_000);

        List<JsonNode> answers = out.toString().lines().map(ChatCommandsTest::json).toList();
        assertThat(answers.get(0).get("result").get(0).get("name").asText()).isEqualTo("alice");
        assertThat(answers.get(1).get("result").get("id").asText()).hasSize(32);
        assertThat(answers.get(2).get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(answers.get(3).get("error").get("code").asInt()).isEqualTo(-32700);
        assertThat(answers.get(4).get("error").get("code").asInt()).isEqualTo(-32602);
        JsonNode notification = answers.stream().filter(a -> a.has("method")).findFirst().orElseThrow();
        assertThat(notification.get("params").get("text").asText()).isEqualTo("to the bot");
        assertThat(ok("alice", "receive").out()).contains("bob → alice: from the daemon");
    }

    @Test
    void chatRepliesEditsDeletesAndReactsByNumber() throws Exception {
        register("alice", "bob");
        ok("bob", "send", "alice", "ping");
        ChatCommand.input = new ByteArrayInputStream(String.join("\n", "first draft", "/edit 2 final words", "/reply #1 pong",
                "/react 1 +1", "/edit 1 not mine", "/delete 3", "/delete 9", "/reply", "/help", "/quit", "").getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        ChatCommand.output = screen;
        ok("alice", "chat", "bob");
        assertThat(screen.toString(StandardCharsets.UTF_8)).contains("#1 [").contains("bob → alice: ping")
                .contains("#2 [").contains("alice → bob: first draft").contains("edited 2 for everyone")
                .contains("#3 [").contains("alice → bob: (reply) pong").contains("reacted +1 to 1")
                .contains("you can only edit your own messages").contains("deleted 3 for everyone")
                .contains("no message 9 in this chat").contains("usage: /reply N TEXT").contains("/react N EMOJI");

        String bobSees = ok("bob", "receive").out();
        assertThat(bobSees).contains("alice → bob: final words").contains("alice → bob: (deleted)")
                .contains("alice reacted +1").doesNotContain("first draft").doesNotContain("pong");
    }

    @Test
    void aLinkedDeviceJoinsExistingConversationsAndIsNoKeyChange() throws Exception {
        register("alice", "bob");
        ok("alice", "send", "bob", "from the phone");
        ok("alice", "group", "create", "team", "--members", "bob");
        assertThat(ok("bob", "receive").out()).doesNotContain("WARNING");
        ok("bob", "accept", "alice");
        Linking.Linked linked = Linking.link(temp.resolve("laptop").toString(), temp.resolve("alice").toString(), server.url());
        assertThat(linked.newDevice().code()).as(linked.newDevice().err()).isZero();
        assertThat(linked.approver().code()).as(linked.approver().err()).isZero();
        assertThat(linked.approver().out()).contains("It takes part in all your conversations.");
        // The approval added the laptop to both conversations right away (alice ran no other command).
        // The laptop has not asked the server who bob is yet: the name is the credential's, shown so.
        assertThat(ok("laptop", "group", "list").out()).contains("1:1   bob (unconfirmed)  (alice, bob)").contains("team");
        ok("laptop", "send", "bob", "from the laptop");
        assertThat(ok("laptop", "group", "list").out()).as("sending asked the server").contains("1:1   bob  (alice, bob)");
        MainTest.Result bob = ok("bob", "receive");
        assertThat(bob.out()).as("alice's account signed the laptop").doesNotContain("WARNING").contains("alice → bob: from the laptop");
        assertThat(ok("alice", "receive").out()).contains("alice → bob: from the laptop");
        // A message to a conversation that existed before the link reaches the new device.
        ok("bob", "send", "--group", "team", "to the team");
        assertThat(ok("laptop", "receive").out()).contains("bob → team: to the team");
    }

    @Test
    void demoRuns() {
        MainTest.Result demo = parley("demo");
        assertThat(demo.code()).as(demo.err()).isZero();
        assertThat(demo.out()).contains("carol received nothing of it").contains("identical to what bob sent")
                .contains("none of them appears").contains("alice → bob: Hi Bob!")
                .as("the stored view of the 1:1, as alice sees it").contains("] bob → alice: Hi Alice").doesNotContain("bob → bob");
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private static void awaitLines(StringWriter out, int lines) throws InterruptedException {
        eventually(lines + " lines in the daemon's output", () -> out.toString().lines().count() >= lines);
    }

    private static void awaitContains(StringWriter out, String text) throws InterruptedException {
        eventually(text + " in the daemon's output", () -> out.toString().contains(text));
    }
}
