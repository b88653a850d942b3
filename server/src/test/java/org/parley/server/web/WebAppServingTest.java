package org.parley.server.web;

import org.junit.jupiter.api.Test;
import org.parley.server.ServerTestBase;
import org.parley.server.testing.Backend;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real server serves the app of the parley-web jar at "/" beside its API, over real HTTP. The
 * app is there when the build had Node.js; PARLEY_REQUIRE_WEB=1 makes its absence a failure.
 */
class WebAppServingTest extends ServerTestBase {
    /** A script, stylesheet or module preload of index.html, with its Subresource Integrity hash. */
    private static final Pattern SUBRESOURCE = Pattern.compile("<(script|link)\\b[^>]*>");
    private static final Pattern ATTRIBUTE = Pattern.compile("\\b(src|href|integrity|crossorigin|rel)=\"([^\"]*)\"");

    private int port() {
        return server.address().getPort();
    }

    @Test
    void theApiPathsAnswerAsBefore() throws Exception {
        start(Backend.SQLITE);
        assertThat(httpGet("/healthz").body()).isEqualTo("ok\n");
        assertThat(httpGet("/metrics").body()).contains("parley_connections");
        RawHttp attachment = RawHttp.exchange(port(), "GET", "/v1/attachments/0123456789abcdef");
        assertThat(attachment.status()).isEqualTo(404);
        assertThat(attachment.header("Content-Security-Policy")).as("the API's answers are its own").isNull();
        assertThat(RawHttp.exchange(port(), "POST", "/").status()).isEqualTo(404);
        assertThat(RawHttp.exchange(port(), "DELETE", "/index.html").status()).isEqualTo(404);
        assertThat(registered("alice")).as("the WebSocket at /v1/ws still registers and signs in").isNotNull();
    }

    @Test
    void theRootIsTheAppOrSaysItWasNotBuilt() throws Exception {
        start(Backend.SQLITE);
        RawHttp root = RawHttp.exchange(port(), "GET", "/");
        assertThat(root.status()).isEqualTo(200);
        WebAppFilesTest.assertHardened(root);
        if (WebApp.onClassPath()) {
            assertThat(root.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(root.header("Cache-Control")).isEqualTo(WebApp.REVALIDATE);
        } else {
            assertThat(System.getenv("PARLEY_REQUIRE_WEB")).as("PARLEY_REQUIRE_WEB=1 requires the web app in the jar").isNotEqualTo("1");
            assertThat(root.text()).isEqualTo(WebApp.NOT_BUILT);
        }
        for (String hostile : List.of("/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fpom.xml", "/assets%2f..%2findex.html",
                "/org/parley/server/web/WebApp.class", "/" + "x".repeat(2000))) {
            RawHttp response = RawHttp.exchange(port(), "GET", hostile);
            assertThat(response.status()).as(hostile).isEqualTo(404);
            WebAppFilesTest.assertHardened(response);
        }
    }

    @Test
    void everyScriptAndStylesheetCarriesAnIntegrityHashOfTheServedFile() throws Exception {
        boolean built = WebApp.onClassPath();
        if (!built && "1".equals(System.getenv("PARLEY_REQUIRE_WEB"))) {
            throw new AssertionError("PARLEY_REQUIRE_WEB=1 but the parley-web jar has no app: was web/ built with Node.js 20+?");
        }
        assumeTrue(built, "the web app was not built (no Node.js 20+), so there is no index.html to check");
        start(Backend.SQLITE);
        String index = RawHttp.exchange(port(), "GET", "/").text();
        List<String> checked = new ArrayList<>();
        Matcher tags = SUBRESOURCE.matcher(index);
        while (tags.find()) {
            String tag = tags.group();
            String url = attribute(tag, tag.startsWith("<script") ? "src" : "href");
            String rel = attribute(tag, "rel");
            boolean needsIntegrity = tag.startsWith("<script") ? url != null
                    : rel != null && (rel.equals("stylesheet") || rel.equals("modulepreload"));
            if (!needsIntegrity) {
                continue;
            }
            assertThat(url).as(tag).startsWith("/");
            assertThat(attribute(tag, "crossorigin")).as(tag).isNotNull();
            String integrity = attribute(tag, "integrity");
            assertThat(integrity).as(tag).startsWith("sha384-");
            RawHttp served = RawHttp.exchange(port(), "GET", url);
            assertThat(served.status()).as(url).isEqualTo(200);
            String actual = "sha384-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-384").digest(served.body()));
            assertThat(integrity).as(url).isEqualTo(actual);
            assertThat(served.header("Cache-Control")).as(url).isEqualTo(WebApp.IMMUTABLE);
            checked.add(url);
        }
        assertThat(checked).as("index.html loads at least its entry script").isNotEmpty();
        assertThat(index).as("no inline script: the CSP would block it").doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");

        RawHttp worker = RawHttp.exchange(port(), "GET", "/sw.js");
        assertThat(worker.status()).isEqualTo(200);
        assertThat(worker.header("Cache-Control")).isEqualTo(WebApp.REVALIDATE);
        assertThat(worker.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        RawHttp manifest = RawHttp.exchange(port(), "GET", "/manifest.webmanifest");
        assertThat(manifest.status()).isEqualTo(200);
        assertThat(manifest.header("Content-Type")).isEqualTo("application/manifest+json");
    }

    private static String attribute(String tag, String name) {
        Matcher attributes = ATTRIBUTE.matcher(tag);
        while (attributes.find()) {
            if (attributes.group(1).equals(name)) {
                return attributes.group(2);
            }
        }
        // A bare boolean attribute, e.g. <script crossorigin ...>
        return Pattern.compile("\\s" + name + "(\\s|>|/)").matcher(tag).find() ? "" : null;
    }
}
