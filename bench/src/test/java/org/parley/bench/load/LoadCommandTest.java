package org.parley.bench.load;

import org.junit.jupiter.api.Test;
import org.parley.bench.BenchMain;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadCommandTest {

    @Test
    void loadOnlyEverTargetsLoopback() {
        assertThatCode(() -> LoadCommand.requireLoopback(new InetSocketAddress("127.0.0.1", 5222))).doesNotThrowAnyException();
        assertThatCode(() -> LoadCommand.requireLoopback(new InetSocketAddress("127.0.0.9", 5222))).doesNotThrowAnyException();
        assertThatThrownBy(() -> LoadCommand.requireLoopback(InetSocketAddress.createUnresolved("10.0.0.1", 5222)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> LoadCommand.requireLoopback(new InetSocketAddress("192.0.2.1", 5222)))
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

    @Test
    void aNonLoopbackServerIsRefusedBeforeConnecting() {
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new String[] {"load", "--server", "ws://192.0.2.1:7878/v1/ws"},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("only targets loopback");
    }

    @Test
    void sourceAddressesAreConsecutiveLoopbackAddressesSkippingHostZeroAnd255() throws Exception {
        assertThat(LoadRun.sourceAddresses(0, 3)).extracting(a -> a.getHostAddress())
                .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
        assertThat(LoadRun.sourceAddresses(253, 2)).extracting(a -> a.getHostAddress())
                .containsExactly("127.0.0.254", "127.0.1.1");
        assertThat(LoadRun.sourceAddresses(LoadConfig.MAX_SOURCE_ADDRESSES - 1, 1)[0].getHostAddress())
                .isEqualTo("127.255.255.254");
    }
}
