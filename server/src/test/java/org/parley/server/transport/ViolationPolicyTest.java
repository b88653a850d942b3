package org.parley.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;
import org.parley.server.metrics.Metrics;
import org.slf4j.LoggerFactory;

class ViolationPolicyTest {

    @Test
    void anUnexpectedFailureIsLoggedWithItsStackTraceButNotWhatThePeerSent() {
        Logger logger = (Logger) LoggerFactory.getLogger(ViolationPolicy.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            EmbeddedChannel channel = new EmbeddedChannel(new ViolationPolicy(new Metrics(), 3));
            channel.pipeline().fireExceptionCaught(new DecoderException(
                    new IllegalStateException("peer sent 'secret words' from 203.0.113.9")));

            assertThat(channel.isOpen()).isFalse();
            assertThat(logs.list).hasSize(1);
            String logged = logs.list.get(0).getFormattedMessage()
                    + ThrowableProxyUtil.asString(logs.list.get(0).getThrowableProxy());
            assertThat(logged).contains(DecoderException.class.getName()).contains(IllegalStateException.class.getName())
                    .contains("ViolationPolicyTest.java")
                    .doesNotContain("secret words").doesNotContain("203.0.113.9");
        } finally {
            logger.detachAppender(logs);
        }
    }
}
