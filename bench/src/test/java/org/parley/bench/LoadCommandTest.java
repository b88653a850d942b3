package org.parley.bench;

import org.junit.jupiter.api.Test;
import org.parley.bench.load.Loopback;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadCommandTest {

    @Test
    void loadOnlyEverTargetsLoopback() {
        assertThatCode(() -> Loopback.require(new InetSocketAddress("127.0.0.1", 5222))).doesNotThrowAnyException();
        assertThatCode(() -> Loopback.require(new InetSocketAddress("127.0.0.9", 5222))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Loopback.require(InetSocketAddress.createUnresolved("10.0.0.1", 5222)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> Loopback.require(new InetSocketAddress("192.0.2.1", 5222)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }

    @Test
    void badOptionsFailWithAMessageAndNoConnection() {
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new String[] {"load", "--clients", "1", "--peer", "xmpp://127.0.0.1:1"},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("--clients must be at least 2");
    }

    @ParameterizedTest
    @CsvSource({
            "http://127.0.0.1:7878, 127.0.0.1, 7878, false",
            "https://127.0.0.1:7443, 127.0.0.1, 7443, true",
            "ws://127.0.0.1:7879/v1/ws, 127.0.0.1, 7879, false",
            "wss://localhost:7443/v1/ws, localhost, 7443, true",
            "http://[::1]:7878/, ::1, 7878, false"})
    void theServerIsGivenAsParleyServerPrintsItOrAsItsWebSocketUrl(String url, String host, int port, boolean tls) {
        LoadCommand load = new LoadCommand();
        new CommandLine(load).parseArgs("--server", url);
        assertThat(load.server.host()).isEqualTo(host);
        assertThat(load.server.port()).isEqualTo(port);
        assertThat(load.server.tls()).isEqualTo(tls);
        assertThat(load.server.webSocketUri().getPath()).isEqualTo("/v1/ws");
    }

    @Test
    void theDefaultServerIsTheOneParleyServerStartsByDefault() {
        LoadCommand load = new LoadCommand();
        new CommandLine(load).parseArgs();
        assertThat(load.server).hasToString("http://127.0.0.1:7878");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1:7878", "ftp://127.0.0.1:7878", "xmpp://127.0.0.1:5222", "http://",
            "http://127.0.0.1:7878/admin?x=1", "ws://127.0.0.1:7878/v1/ws/../../etc", "http://127.0.0.1:99999",
            "http://127.0.0.1:0", "ws://[::1", "http://127.0.0.1:7878 --clients 5", "javascript:alert(1)"})
    void aMalformedServerIsAUsageErrorThatShowsTheForm(String url) {
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new String[] {"load", "--server", url}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--server'").contains("http://HOST:PORT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ws://192.0.2.1:7878/v1/ws", "http://192.0.2.1:7878", "https://192.0.2.1:443"})
    void aNonLoopbackServerIsRefusedInEitherForm(String url) {
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new String[] {"load", "--server", url}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("only targets loopback");
    }

    @Test
    void sealedClientsGetTheirShareOfTheRunsMessagesInTokensWithAMargin() {
        LoadCommand load = new LoadCommand();
        new CommandLine(load).parseArgs("--clients", "1000", "--rate", "1000,2000", "--duration", "10", "--warmup", "2", "--sealed");
        assertThat(load.tokensPerClient()).isEqualTo(48); // (2 × 1,000 + 10 × 3,000) / 1,000 × 4/3, rounded up, + 5
        new CommandLine(load).parseArgs("--sealed", "--tokens-per-client", "7");
        assertThat(load.tokensPerClient()).isEqualTo(7);
    }

    @Test
    void sealedAndPaddedAreParleysAndNeedTokens() {
        BenchRun peer = BenchRun.of("load", "--peer", "xmpp://127.0.0.1:1", "--sealed");
        assertThat(peer.code()).isEqualTo(1);
        assertThat(peer.err()).contains("do not apply to --peer");
        BenchRun noTokens = BenchRun.of("load", "--server", "http://127.0.0.1:1", "--sealed", "--tokens-per-client", "0");
        assertThat(noTokens.code()).isEqualTo(1);
        assertThat(noTokens.err()).contains("at least one send token");
    }
}
