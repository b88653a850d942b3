package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.RelayTokenIssuer;
import org.parley.protocol.v1.ErrorCode;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code parley settings --sealed-only}, and {@code parley send} when a limit holds a message back. */
class SealedSendingCommandsTest extends LiveServerCommandsTest {

    @Test
    void sealedOnlyKeepsStrangersOutUntilItIsTurnedOff() {
        register("alice", "zed");
        assertThat(ok("alice", "settings", "--sealed-only", "on").out()).contains("Sealed-only is on")
                .contains("parley settings --sealed-only off");
        MainTest.Result refused = as("zed", "send", "alice", "hello");
        assertThat(refused.code()).as(refused.out()).isEqualTo(1);

        assertThat(ok("alice", "settings", "--sealed-only", "OFF").out()).contains("Sealed-only is off");
        ok("zed", "send", "alice", "hello");
        assertThat(ok("alice", "receive").out()).contains("Message request from zed");
    }

    @Test
    void settingsRefuseWhatTheyDoNotKnow() {
        register("alice");
        assertThat(as("alice", "settings", "--sealed-only", "maybe").code()).isEqualTo(2);
        assertThat(as("alice", "settings").code()).as("the option is required").isEqualTo(2);
        assertThat(as("alice", "settings", "--sealed-only").code()).isEqualTo(2);
    }

    @Test
    void aSendHeldBackByALimitIsQueuedAndTheNextCommandSendsIt() throws Exception {
        try (HostileServer relay = new HostileServer(server.address())) {
            AtomicInteger refuse = new AtomicInteger(1);
            relay.onClientFrame((link, frame) -> {
                if (frame.hasSend() && refuse.getAndDecrement() > 0) {
                    link.toClient(RelayTokenIssuer.error(frame, ErrorCode.RATE_LIMITED, Duration.ofSeconds(2)));
                    return true;
                }
                return false;
            });
            for (String user : new String[] {"alice", "zed"}) {
                ok(user, "register", user, "--server", relay.address().toString());
            }

            assertThat(ok("zed", "send", "alice", "hello", "alice").out()).contains("queued: the server asked to wait 2 s");
            assertThat(ok("alice", "receive").out()).as("the conversation, not the message yet").contains("(0 messages)");
            Thread.sleep(2_500);
            ok("zed", "receive");
            assertThat(ok("alice", "requests").out()).contains("(1 message)");
            ok("alice", "accept", "zed");
            assertThat(ok("alice", "receive").out()).contains("zed → alice: hello alice");
        }
    }
}
