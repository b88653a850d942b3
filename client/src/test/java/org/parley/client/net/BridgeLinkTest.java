package org.parley.client.net;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BridgeLinkTest {
    private static final byte[] PIN = new byte[32];

    static {
        for (int i = 0; i < PIN.length; i++) {
            PIN[i] = (byte) (i * 7);
        }
    }

    @Test
    void roundTripsEveryForm() {
        for (BridgeLink link : new BridgeLink[] {
                new BridgeLink("bridge.example", 443, Optional.of(PIN), Optional.of(ServerAddress.parse("https://chat.example/ws"))),
                new BridgeLink("203.0.113.5", 8443, Optional.empty(), Optional.empty()),
                new BridgeLink("2001:db8::1", 443, Optional.of(PIN), Optional.empty())}) {
            BridgeLink back = BridgeLink.parse(link.toString());
            assertThat(back).isEqualTo(link);
            assertThat(back.host()).isEqualTo(link.host());
            assertThat(back.server()).isEqualTo(link.server());
            assertThat(back.pin().map(p -> p.length)).isEqualTo(link.pin().map(p -> p.length));
        }
        assertThat(BridgeLink.isBridgeLink("  PARLEY://bridge?host=h&port=1")).isTrue();
        assertThat(BridgeLink.isBridgeLink("https://chat.example")).isFalse();
    }

    @Test
    void refusesMalformedTruncatedOversizedAndHostileLinks() {
        String pin = "&pin=" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(PIN);
        for (String bad : new String[] {null, "", "parley://bridge?", "parley://bridge?host=h", "parley://bridge?port=1",
                "parley://bridge?host=h&port=x", "parley://bridge?host=h&port=0", "parley://bridge?host=h&port=70000",
                "parley://bridge?host=h&port=1&pin=AAAA", "parley://bridge?host=h&port=1&pin=!!", "parley://bridge?host=h&port=1&evil=1",
                "parley://bridge?host=h&port=1&host=i", "parley://bridge?host=h&port=1&server=ftp://x", "parley://bridge?host=h%2Fx&port=1",
                "parley://bridge?host=h&port=1&server=%zz", "parley://bridge?host=h&&port=1", "parley://server?host=h&port=1",
                "parley://bridge?host=h&port=1" + pin + "x".repeat(2000)}) {
            assertThatThrownBy(() -> BridgeLink.parse(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bridge");
        }
    }
}
