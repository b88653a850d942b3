package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** parley requests, accept, delete, block and unblock, and the daemon's methods for them, against a real server. */
class RequestCommandsTest extends LiveServerCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void registerAliceAndZed() {
        register("alice", "zed");
    }

    private MainTest.Result fails(String user, String... args) {
        MainTest.Result result = as(user, args);
        assertThat(result.code()).as("%s %s: %s", user, List.of(args), result.out()).isEqualTo(1);
        return result;
    }

    @Test
    void requestsAreAnnouncedOnceAndAcceptedOrDeleted() {
        ok("zed", "send", "alice", "hello", "alice");
        ok("zed", "group", "create", "party", "--members", "alice");
        ok("zed", "send", "--group", "party", "party", "time");

        String received = ok("alice", "receive").out();
        assertThat(received).contains("Message request from zed (unconfirmed) (1 message): parley accept zed | parley block zed"
                        + " | parley delete 'zed (unconfirmed)'")
                .contains("Message request from zed in 'party' (1 message): parley accept zed | parley block zed | parley delete party")
                .doesNotContain("hello alice").doesNotContain("party time");
        assertThat(ok("alice", "receive").out()).as("announced once").isEmpty();
        assertThat(ok("alice", "requests").out().lines().toList()).hasSize(2);
        assertThat(fails("alice", "send", "--group", "party", "hi").err()).contains("'party' is a message request from zed; accept it first");

        assertThat(ok("alice", "delete", "party").out()).contains("Deleted the request party.");
        assertThat(ok("alice", "requests").out()).doesNotContain("party").contains("Message request from zed (unconfirmed) (1 message)");
        assertThat(fails("alice", "delete", "party").err()).contains("no message request called 'party'");
        assertThat(fails("alice", "accept", "nobody").err()).contains("no message request from or called 'nobody'");

        assertThat(ok("alice", "accept", "zed").out()).contains("Accepted zed");
        assertThat(ok("alice", "receive").out()).contains("zed → alice: hello alice");
        assertThat(ok("alice", "requests").out()).contains("No message requests.");
        assertThat(fails("alice", "accept", "zed").err()).contains("'zed' is accepted already");
        ok("alice", "send", "zed", "hi", "zed");
        assertThat(ok("zed", "receive").out()).contains("alice → zed: hi zed");
    }

    @Test
    void blockedUsersAreSilencedUntilUnblocked() throws Exception {
        ok("zed", "send", "alice", "buy", "now");
        assertThat(fails("alice", "block", "nobody").err()).contains("no conversation with 'nobody' on this device");
        assertThat(fails("alice", "unblock", "zed").err()).contains("'zed' is not blocked");

        MainTest.Result blocked = as("alice", "block", "zed");
        if (blocked.code() == 0) {
            assertThat(blocked.out()).contains("Blocked zed; 'parley unblock zed' undoes it.");
        } else {
            // A server without SetAccessKey: the block holds on this device, the message says what is missing.
            assertThat(blocked.err()).contains("zed is blocked here, but the server refused this account's new access key");
        }
        assertThat(ok("alice", "requests").out()).contains("No message requests.");
        ok("zed", "group", "create", "again", "--members", "alice");
        ok("zed", "send", "--group", "again", "buy", "now", "again");
        assertThat(ok("alice", "receive").out()).isEmpty();
        assertThat(ok("alice", "requests").out()).contains("No message requests.");

        assertThat(ok("alice", "unblock", "zed").out()).contains("Unblocked zed.");
        assertThat(fails("alice", "unblock", "zed").err()).contains("'zed' is not blocked");
        ok("zed", "group", "create", "third", "--members", "alice");
        ok("zed", "send", "--group", "third", "hello", "again");
        JsonNode request = json(ok("alice", "receive", "--json").out().strip());
        assertThat(request.get("request").asBoolean()).isTrue();
        assertThat(request.get("conversation").asText()).isEqualTo("third");
        assertThat(request.get("inviter").asText()).isEqualTo("zed");
        assertThat(request.get("direct").asBoolean()).isFalse();
        assertThat(request.get("messages").asInt()).isEqualTo(1);
    }

    @Test
    void everyCommandExplainsItself() {
        assertThat(ok("alice", "requests", "--help").out()).contains("List message requests");
        assertThat(ok("alice", "accept", "--help").out()).contains("Accept the message request NAME");
        assertThat(ok("alice", "delete", "--help").out()).contains("Delete the message request NAME");
        assertThat(ok("alice", "block", "--help").out()).contains("Block USER: drop their messages everywhere");
        assertThat(ok("alice", "unblock", "--help").out()).contains("arrive again, as message requests");
        assertThat(as("alice", "accept").code()).as("NAME is required").isEqualTo(2);
    }

    @Test
    void theDaemonListsAcceptsAndDeletesRequestsAndAnnouncesNewOnes() throws Exception {
        ok("zed", "send", "alice", "first");
        Daemon daemon = daemon("alice");
        PrintWriter in = daemon.in();
        StringWriter out = daemon.out();
        awaitContains(out, "\"method\":\"request\"");
        ok("zed", "group", "create", "party", "--members", "alice");
        ok("zed", "send", "--group", "party", "party", "time");
        awaitContains(out, "\"conversation\":\"party\"");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"listRequests\"}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"delete\",\"params\":{\"name\":\"party\"}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"accept\",\"params\":{\"name\":\"zed\"}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"accept\",\"params\":{\"name\":\"zed\"}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"block\",\"params\":{}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"unblock\",\"params\":{\"username\":\"zed\"}}");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"listRequests\"}");
        eventually("7 answers", () -> answers(out).size() == 7);
        daemon.stop();

        List<JsonNode> answers = answers(out);
        assertThat(answers.get(0).get("result")).extracting(r -> r.get("conversation").asText()).containsExactlyInAnyOrder("zed (unconfirmed)", "party");
        assertThat(answers.get(0).get("result").get(0).get("inviter").asText()).isEqualTo("zed");
        assertThat(answers.get(1).get("result").asBoolean()).isTrue();
        assertThat(answers.get(2).get("result").asBoolean()).isTrue();
        assertThat(answers.get(3).get("error").get("code").asInt()).isEqualTo(-32000);
        assertThat(answers.get(3).get("error").get("message").asText()).contains("accepted already");
        assertThat(answers.get(4).get("error").get("code").asInt()).isEqualTo(-32602);
        assertThat(answers.get(5).get("error").get("message").asText()).contains("'zed' is not blocked");
        assertThat(answers.get(6).get("result")).isEmpty();
        List<JsonNode> announced = out.toString().lines().map(RequestCommandsTest::json).filter(n -> n.path("method").asText().equals("request"))
                .toList();
        assertThat(announced).extracting(n -> n.get("params").get("conversation").asText()).containsExactly("zed (unconfirmed)", "party");
        assertThat(announced.get(0).get("params").get("messages").asInt()).isEqualTo(1);
    }

    @Test
    void theDaemonAnnouncesTheMessagesOfARequestItAccepts() throws Exception {
        ok("zed", "send", "alice", "held", "back");
        Daemon daemon = daemon("alice");
        PrintWriter in = daemon.in();
        StringWriter out = daemon.out();
        awaitContains(out, "\"method\":\"request\"");
        assertThat(out.toString()).doesNotContain("held back");
        in.println("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"accept\",\"params\":{\"name\":\"zed\"}}");
        awaitContains(out, "held back");
        ok("zed", "send", "alice", "after", "accepting");
        awaitContains(out, "after accepting");
        daemon.stop();

        List<JsonNode> received = out.toString().lines().map(RequestCommandsTest::json)
                .filter(n -> n.path("method").asText().equals("receive")).toList();
        assertThat(received).extracting(n -> n.get("params").get("text").asText()).containsExactly("held back", "after accepting");
        assertThat(received.get(0).get("params").get("sender").asText()).isEqualTo("zed");
        assertThat(answers(out).get(0).get("result").asBoolean()).isTrue();
    }

    /** {@code parley daemon --jsonrpc} of {@code user} on a thread: requests go to {@code in}, its lines come to {@code out}. */
    private record Daemon(Thread thread, PrintWriter in, StringWriter out) {
        void stop() throws InterruptedException {
            in.close();
            thread.join(20_000);
        }
    }

    private Daemon daemon(String user) throws IOException {
        PipedOutputStream requests = new PipedOutputStream();
        DaemonCommand.input = new PipedInputStream(requests);
        StringWriter out = new StringWriter();
        Thread thread = new Thread(() -> Main.run(new String[] {"--profile", temp.resolve(user).toString(), "daemon", "--jsonrpc"},
                new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
        thread.start();
        return new Daemon(thread, new PrintWriter(requests, true, StandardCharsets.UTF_8), out);
    }

    private static List<JsonNode> answers(StringWriter out) {
        return out.toString().lines().map(RequestCommandsTest::json).filter(n -> n.has("id")).toList();
    }

    private static void awaitContains(StringWriter out, String text) throws InterruptedException {
        eventually(text + " in the daemon's output", () -> out.toString().contains(text));
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
