package org.parley.bench.load.parley;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.Test;
import org.parley.client.net.ServerAddress;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

class ParleyDriverTest {

    @Test
    void anHttpServerIsReachedOverPlainWebSocket() {
        ParleyDriver driver = ParleyDriver.forServer(ServerAddress.parse("http://127.0.0.1:7878"));
        EmbeddedChannel channel = new EmbeddedChannel();
        driver.addCodecs(channel.pipeline());
        assertThat(driver.server()).isEqualTo(new InetSocketAddress("127.0.0.1", 7878));
        assertThat(channel.pipeline().first()).isInstanceOf(HttpClientCodec.class);
        channel.finishAndReleaseAll();
    }

    @Test
    void anHttpsServerIsReachedOverTlsCheckingItsName() {
        ParleyDriver driver = ParleyDriver.forServer(ServerAddress.parse("https://localhost:7443"));
        EmbeddedChannel channel = new EmbeddedChannel();
        driver.addCodecs(channel.pipeline());
        assertThat(driver.server().getPort()).isEqualTo(7443);
        assertThat(channel.pipeline().first()).isInstanceOfSatisfying(SslHandler.class, ssl -> {
            assertThat(ssl.engine().getUseClientMode()).isTrue();
            assertThat(ssl.engine().getPeerHost()).isEqualTo("localhost");
            assertThat(ssl.engine().getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        });
        channel.finishAndReleaseAll();
    }
}
