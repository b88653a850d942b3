package org.parley.server.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app's connect-src names exactly the origins of the server's https and wss alternates (issue
 * 15), so that the browser can fail over to them, and nothing an operator's typo or a hostile
 * address could widen it with.
 */
class WebAppAlternatesTest {
    /** wss: lets the app reach a bridge, any host a user pastes (its tunnel is sealed end to end). */
    private static final String BASE_CONNECT_SRC = "connect-src 'self' wss:;";

    private static String connectSrc(WebApp app) {
        String policy = WebAppFilesTest.exchange(app, "GET", "/").header("Content-Security-Policy");
        return policy.substring(policy.indexOf("connect-src"), policy.indexOf(';', policy.indexOf("connect-src")) + 1);
    }

    private static WebApp app() {
        return WebApp.load(new URLClassLoader(new URL[0], null), WebApp.RESOURCE_DIR, "/v1/ws", WebAppFilesTest.SERVER_KEY);
    }

    @Test
    void addsTheHttpsAndWssOriginOfEachTlsAlternateInOrderWithoutRepeats() {
        WebApp app = app().withAlternates(List.of("https://chat2.example.org:8443/c/7f3kq", "wss://Chat3.Example.org",
                "https://chat2.example.org:8443", "https://198.51.100.7:443"));
        assertThat(connectSrc(app)).isEqualTo("connect-src 'self' wss: https://chat2.example.org:8443 wss://chat2.example.org:8443"
                + " https://chat3.example.org:443 wss://chat3.example.org:443 https://198.51.100.7:443 wss://198.51.100.7:443;");
    }

    @Test
    void keepsTheWebTransportPortBesideTheAlternates() {
        WebApp app = app().withAlternates(List.of("https://chat2.example.org")).withWebTransportPort(7879);
        assertThat(connectSrc(app)).isEqualTo("connect-src 'self' wss: https://*:7879 https://chat2.example.org:443 wss://chat2.example.org:443;");
    }

    @Test
    void withoutAlternatesThePolicyIsTheStrictDefault() {
        WebAppFilesTest.assertHardened(WebAppFilesTest.exchange(app().withAlternates(List.of()), "GET", "/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "parley://bridge?host=198.51.100.7&port=443&pin=5zzGW9oB4P6uMS0o0StxHIpqfe4ApL-_vqRHm0rnA-4", // the browser cannot use a bridge
        "PARLEY://bridge?host=chat2.example.org&port=443",
        "http://chat2.example.org:80", // plain: the app uses https/wss only
        "ws://chat2.example.org",
        "https://chat2.example.org; script-src *", // would end the directive and add another
        "https://chat2.example.org;script-src-elem:443",
        "https://*.example.org", // a wildcard the operator did not mean
        "https://*:443",
        "https://chat2.example.org,evil.example",
        "https://user@chat2.example.org",
        "https://chat2.example.org?x=1",
        "https://chat2.example.org#x",
        "https://[2001:db8::1]:443", // CSP cannot name an IPv6 literal
        "https://chat_2.example.org",
        "https://chat2.example.org:0",
        "https://chat2.example.org:99999",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https:///nohost",
        "'unsafe-inline'",
        "*",
        "",
        "   "})
    void addsNothingForAnAddressTheAppCannotUseOrACspSourceCannotNameExactly(String alternate) {
        assertThat(connectSrc(app().withAlternates(List.of(alternate)))).isEqualTo(BASE_CONNECT_SRC);
    }

    @Test
    void aHostileEntryAmongGoodOnesDropsOnlyItself() {
        WebApp app = app().withAlternates(List.of("https://a.example.org", "https://x.example.org\u0000;script-src *",
                "https://b.example.org"));
        assertThat(connectSrc(app)).isEqualTo("connect-src 'self' wss: https://a.example.org:443 wss://a.example.org:443"
                + " https://b.example.org:443 wss://b.example.org:443;");
    }
}
