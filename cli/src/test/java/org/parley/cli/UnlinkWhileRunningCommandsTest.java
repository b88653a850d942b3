package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Issue 14: a device unlinked while the account's other devices run. alice's laptop is unlinked by
 * her phone, which then commits nothing (as a browser tab closed right after its unlink would).
 * alice's running daemon removes the laptop from the group as soon as a send names it as gone
 * (the delivery receipt for bob's next message), without a restart; the laptop's running chat
 * stops with one clear line.
 */
class UnlinkWhileRunningCommandsTest extends LiveServerCommandsTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void aRunningDaemonRemovesADeviceUnlinkedElsewhereAndTheUnlinkedChatStops() throws Exception {
        register("alice", "bob");
        for (String device : new String[] {"laptop", "phone"}) {
            Linking.Linked linked = Linking.link(profile(device), profile("alice"), server.url());
            assertThat(linked.approver().code()).as(linked.approver().err()).isZero();
        }
        ok("alice", "group", "create", "team", "--members", "bob");
        ok("bob", "accept", "team");
        ok("laptop", "receive");
        ok("phone", "receive");
        assertThat(devicesInTeam("bob")).isEqualTo(4);
        byte[] laptop = withClient("laptop", client -> client.identity().deviceId());

        PipedOutputStream daemonInput = new PipedOutputStream();
        DaemonCommand.input = new PipedInputStream(daemonInput);
        StringWriter daemonOut = new StringWriter();
        CompletableFuture<Integer> daemon = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"--profile", profile("alice"), "daemon", "--jsonrpc"},
                new PrintWriter(daemonOut, true), new PrintWriter(new StringWriter(), true)));
        PipedOutputStream chatInput = new PipedOutputStream();
        ChatCommand.input = new PipedInputStream(chatInput);
        ByteArrayOutputStream chatScreen = new ByteArrayOutputStream();
        ChatCommand.output = chatScreen;
        StringWriter chatErr = new StringWriter();
        CompletableFuture<Integer> chat = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"--profile", profile("laptop"), "chat", "--group", "team"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(chatErr, true)));
        eventually("the laptop's chat is open", () -> chatScreen.toString(StandardCharsets.UTF_8).contains("Chat with team"));

        withClient("phone", client -> {
            Accounts.removeDevice(client.session(), Bytes.copyOf(laptop));
            return null;
        });
        assertThat(chat.get(15, TimeUnit.SECONDS)).as(chatErr.toString()).isEqualTo(1);
        assertThat(chatErr.toString().strip()).startsWith("parley: this device was unlinked from the account while it ran")
                .doesNotContain("\n");
        assertThat(devicesInTeam("bob")).as("nobody removed the laptop yet").isEqualTo(4);

        ok("bob", "send", "--group", "team", "who is here?");
        eventually("alice's daemon shows bob's message", () -> daemonOut.toString().contains("who is here?"));
        long start = System.nanoTime();
        eventually("alice's daemon removed the laptop", () -> {
            ok("bob", "receive");
            return devicesInTeam("bob") == 3;
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        MainTest.Result afterwards = as("laptop", "receive");
        assertThat(afterwards.code()).as("the server signs the laptop in no more").isEqualTo(1);

        daemonInput.close();
        chatInput.close();
        assertThat(daemon.get(30, TimeUnit.SECONDS)).isZero();
    }

    private String profile(String name) {
        return temp.resolve(name).toString();
    }

    /** Opens {@code user}'s profile through the SDK (no command holds it now), runs {@code work}, closes it. */
    private <T> T withClient(String user, Function<ParleyClient, T> work) {
        try (ProfileStore store = ProfileStore.open(temp.resolve(user), null, false, RANDOM);
             ParleyClient client = ParleyClient.open(store, temp.resolve(user + "-files"), RANDOM, ParleyClient.DEFAULT_TIMEOUT)) {
            return work.apply(client);
        }
    }

    /** How many devices {@code user}'s copy of the group team holds, as of the mail it processed. */
    private int devicesInTeam(String user) {
        return withClient(user, client -> {
            client.awaitBacklog(ParleyClient.DEFAULT_TIMEOUT);
            byte[] team = client.conversations().find("team", false).groupId().toByteArray();
            return client.conversations().exportSecret(team, "test", 32).memberLeaves().size();
        });
    }
}
