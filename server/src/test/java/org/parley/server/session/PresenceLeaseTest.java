package org.parley.server.session;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.Test;
import org.parley.server.metrics.Metrics;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease's clock and what lapsing does to the node's connections, old and new, without a server. */
class PresenceLeaseTest {
    private static final Optional<String> BUS_DOWN = Optional.of("the message bus (NATS) is unreachable");

    private final SessionRegistry sessions = new SessionRegistry();
    private Optional<String> cutOff = Optional.empty();
    private long now;
    private final PresenceLease lease = new PresenceLease(() -> cutOff, sessions, () -> now);

    @Test
    void lapsesAfterTheLeaseCutOffWithoutABreakAndClosesEveryConnectionAsARestart() {
        EmbeddedChannel alice = connect();
        cutOff = BUS_DOWN;
        checkAt(Duration.ZERO);
        checkAt(PresenceLease.LEASE.minusMillis(1));
        assertKept(alice);

        checkAt(PresenceLease.LEASE);
        assertToldToReconnect(alice);
    }

    @Test
    void aBreakStartsTheLeaseAgain() {
        EmbeddedChannel alice = connect();
        cutOff = BUS_DOWN;
        checkAt(Duration.ZERO);
        checkAt(Duration.ofSeconds(10));
        cutOff = Optional.empty();
        checkAt(Duration.ofSeconds(11));
        cutOff = BUS_DOWN;
        checkAt(Duration.ofSeconds(12));
        checkAt(Duration.ofSeconds(12).plus(PresenceLease.LEASE).minusMillis(1));
        assertKept(alice);
        checkAt(Duration.ofSeconds(12).plus(PresenceLease.LEASE));
        assertToldToReconnect(alice);
    }

    @Test
    void whileLapsedNewConnectionsAreClosedBeforeTheirChallengeAndOnceBackTheyAreServed() {
        cutOff = BUS_DOWN;
        checkAt(Duration.ZERO);
        checkAt(PresenceLease.LEASE);
        EmbeddedChannel early = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        assertThat(sessions.add(session(early))).isFalse();
        assertToldToReconnect(early);

        cutOff = Optional.empty();
        checkAt(PresenceLease.LEASE.plusSeconds(1));
        assertKept(connect());
    }

    private void checkAt(Duration sinceStart) {
        now = sinceStart.toNanos();
        lease.check();
    }

    private EmbeddedChannel connect() {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        assertThat(sessions.add(session(channel))).isTrue();
        return channel;
    }

    private static Session session(EmbeddedChannel channel) {
        return new Session(channel.pipeline().firstContext(), new byte[32], Runnable::run, new Metrics());
    }

    private static void assertKept(EmbeddedChannel channel) {
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    /** Close code 1012 (service restart), which clients answer by reconnecting, with a reason that names no cause, and the connection closed. */
    private static void assertToldToReconnect(EmbeddedChannel channel) {
        channel.runPendingTasks();
        CloseWebSocketFrame close = channel.readOutbound();
        assertThat(close.statusCode()).isEqualTo(WebSocketCloseStatus.SERVICE_RESTART.code());
        // Said to clients that have not signed in too: nothing about the node's bus or database.
        assertThat(close.reasonText()).doesNotContainIgnoringCase("database").doesNotContainIgnoringCase("bus").contains("reconnect");
        close.release();
        assertThat(channel.isOpen()).isFalse();
    }
}
