package org.parley.bench.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadRunTest {

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
