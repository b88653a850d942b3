package org.parley.server.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The web app's file serving over real HTTP/1.1 bytes (Netty's codec), with an app written by the
 * test into a folder and into a jar, so it runs with or without Node.js.
 */
class WebAppFilesTest {
    /** Big and repetitive enough that gzip pays. */
    private static final String BIG_SCRIPT = "export const greeting = 'hello';\n".repeat(400);
    private static final Map<String, String> APP = new TreeMap<>(Map.of(
            "index.html", "<!doctype html><script type=\"module\" src=\"/assets/index-Ab12.js\"></script>",
            "assets/index-Ab12.js", "console.log('app')",
            "assets/index-Cd34.css", "body{}",
            "sw.js", "self.addEventListener('fetch',()=>{})",
            "manifest.webmanifest", "{\"name\":\"Parley\"}",
            "icon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "icon-192.png", "\u0089PNG",
            "data.bin", "\u0000\u0001",
            "assets/big-Ef56.js", BIG_SCRIPT,
            ".vite/manifest.json", "{}"));

    /** A server key as a test makes one: any 32 bytes serve for the page. */
    static final byte[] SERVER_KEY = "a server key of thirty-two bytes".getBytes(StandardCharsets.US_ASCII);
    /** {@link #SERVER_KEY} as the page names it: base64url without padding. */
    private static final String SERVER_KEY_TEXT = "YSBzZXJ2ZXIga2V5IG9mIHRoaXJ0eS10d28gYnl0ZXM";

    @TempDir
    Path temp;

    private WebApp fromFolder() throws IOException {
        return fromFolder(APP, "/v1/ws");
    }

    private WebApp fromFolder(Map<String, String> app, String webSocketPath) throws IOException {
        Path root = temp.resolve("classes");
        for (var file : app.entrySet()) {
            Path path = root.resolve(WebApp.RESOURCE_DIR + file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue(), StandardCharsets.ISO_8859_1);
        }
        Files.writeString(root.resolve("org/parley/web/secret.txt"), "outside the app");
        return WebApp.load(new URLClassLoader(new URL[] {root.toUri().toURL()}, null), WebApp.RESOURCE_DIR, webSocketPath, SERVER_KEY);
    }

    private WebApp fromJar() throws IOException {
        Path jar = temp.resolve("parley-web.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (var file : APP.entrySet()) {
                out.putNextEntry(new JarEntry(WebApp.RESOURCE_DIR + file.getKey()));
                out.write(file.getValue().getBytes(StandardCharsets.ISO_8859_1));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("org/parley/web/secret.txt"));
            out.write("outside the app".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            return WebApp.load(loader, WebApp.RESOURCE_DIR, "/v1/ws", SERVER_KEY);
        }
    }

    /** One request through Netty's HTTP codec into the app, and the bytes it wrote back, parsed. */
    static RawHttp exchange(WebApp app, String method, String target, String... headerLines) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    app.serve(ctx, request, true);
                }
                ReferenceCountUtil.release(msg);
            }
        });
        StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: parley.test\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        channel.writeInbound(Unpooled.copiedBuffer(request.append("\r\n").toString(), StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf chunk; (chunk = channel.readOutbound()) != null; ) {
            byte[] bytes = new byte[chunk.readableBytes()];
            chunk.readBytes(bytes);
            out.writeBytes(bytes);
            chunk.release();
        }
        channel.finishAndReleaseAll();
        return RawHttp.parse(out.toByteArray());
    }

    static void assertHardened(RawHttp response) {
        assertThat(response.header("Content-Security-Policy")).isEqualTo(WebApp.CONTENT_SECURITY_POLICY)
                .contains("default-src 'none'", "script-src 'self';", "connect-src 'self' wss:;", "frame-ancestors 'none'")
                .doesNotContain("unsafe");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(response.header("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
        assertThat(response.header("Permissions-Policy")).contains("microphone=(self)", "camera=(self)", "geolocation=()");
    }

    @ParameterizedTest
    @ValueSource(strings = {"folder", "jar"})
    void servesEachFileWithItsTypeAndCachingRule(String source) throws IOException {
        WebApp app = source.equals("folder") ? fromFolder() : fromJar();
        record Expected(String path, String type, String cache) {
        }
        for (Expected expected : new Expected[] {
            new Expected("/", "text/html; charset=utf-8", WebApp.REVALIDATE),
            new Expected("/index.html", "text/html; charset=utf-8", WebApp.REVALIDATE),
            new Expected("/?from=homescreen", "text/html; charset=utf-8", WebApp.REVALIDATE),
            new Expected("/assets/index-Ab12.js", "text/javascript; charset=utf-8", WebApp.IMMUTABLE),
            new Expected("/assets/index-Cd34.css", "text/css; charset=utf-8", WebApp.IMMUTABLE),
            new Expected("/sw.js", "text/javascript; charset=utf-8", WebApp.REVALIDATE),
            new Expected("/manifest.webmanifest", "application/manifest+json", WebApp.REVALIDATE),
            new Expected("/icon.svg", "image/svg+xml", WebApp.REVALIDATE),
            new Expected("/icon-192.png", "image/png", WebApp.REVALIDATE),
            new Expected("/data.bin", "application/octet-stream", WebApp.REVALIDATE)}) {
            RawHttp response = exchange(app, "GET", expected.path());
            String file = expected.path().startsWith("/?") || expected.path().equals("/") ? "index.html" : expected.path().substring(1);
            assertThat(response.status()).as(expected.path()).isEqualTo(200);
            assertThat(new String(response.body(), StandardCharsets.ISO_8859_1)).as(expected.path()).isEqualTo(APP.get(file));
            assertThat(response.header("Content-Type")).as(expected.path()).isEqualTo(expected.type());
            assertThat(response.header("Cache-Control")).as(expected.path()).isEqualTo(expected.cache());
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(response.body().length));
            assertThat(response.header("ETag")).matches("\"[A-Za-z0-9_-]{43}\"");
            assertHardened(response);
        }
    }

    @Test
    void indexHtmlNamesTheWebSocketsPathAndTheServerKeyInMetaElementsOfItsHead() throws IOException {
        assertThat(Base64.getUrlDecoder().decode(SERVER_KEY_TEXT)).isEqualTo(SERVER_KEY).hasSize(32);
        Map<String, String> app = new TreeMap<>(APP);
        app.put("index.html", "<!doctype html><html><HEAD lang=\"en\"><title>t</title></HEAD><body><header></header></body></html>");
        RawHttp moved = exchange(fromFolder(app, "/c/7f3kq"), "GET", "/");
        assertThat(moved.text()).isEqualTo("<!doctype html><html><HEAD lang=\"en\">\n    <meta name=\"parley-ws\" content=\"/c/7f3kq\" />"
                + "\n    <meta name=\"parley-server-key\" content=\"" + SERVER_KEY_TEXT + "\" />"
                + "<title>t</title></HEAD><body><header></header></body></html>");
        RawHttp standard = exchange(fromFolder(app, "/v1/ws"), "GET", "/");
        assertThat(standard.text()).contains("<meta name=\"parley-ws\" content=\"/v1/ws\" />");
        assertThat(moved.header("ETag")).as("the tag covers the page as served").isNotEqualTo(standard.header("ETag"))
                .isEqualTo(exchange(fromFolder(app, "/c/7f3kq"), "GET", "/").header("ETag"));
        assertThat(exchange(fromFolder(app, "/c/7f3kq"), "GET", "/assets/index-Ab12.js").text()).isEqualTo(APP.get("assets/index-Ab12.js"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/assets", "/assets/index-Ab12.js", "/sw.js", "/index.html", "/manifest.webmanifest"})
    void theWebSocketCannotTakeAFileOrFolderOfTheApp(String path) {
        assertThatThrownBy(() -> fromFolder(APP, path)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the WebSocket path " + path + " is a file or folder of the web app");
    }

    @Test
    void anUnchangedFileIsNotSentAgain() throws IOException {
        WebApp app = fromFolder();
        String etag = exchange(app, "GET", "/").header("ETag");
        for (String ifNoneMatch : new String[] {etag, "W/" + etag, "\"other\", " + etag, "*"}) {
            RawHttp again = exchange(app, "GET", "/", "If-None-Match: " + ifNoneMatch);
            assertThat(again.status()).as(ifNoneMatch).isEqualTo(304);
            assertThat(again.body()).isEmpty();
            assertThat(again.header("ETag")).isEqualTo(etag);
            assertHardened(again);
        }
        assertThat(exchange(app, "GET", "/", "If-None-Match: \"stale\"").status()).isEqualTo(200);
        assertThat(exchange(app, "GET", "/sw.js").header("ETag")).as("a tag per content").isNotEqualTo(etag);
    }

    @Test
    void headGivesTheHeadersOfGetWithoutTheBody() throws IOException {
        WebApp app = fromJar();
        RawHttp head = exchange(app, "HEAD", "/assets/index-Ab12.js");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(APP.get("assets/index-Ab12.js").length()));
        assertThat(head.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/nothing-here", "/assets/", "/assets", "/assets/index-Ab12.js/", "/index.html/",
        "/../secret.txt", "/assets/../index.html", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
        "/assets%2findex-Ab12.js", "/assets%2Findex-Ab12.js", "/%69ndex.html", "/assets\\..\\index.html",
        "//index.html", "/./index.html", "/.vite/manifest.json", "/index.html%00", "/index.html%00.js",
        "/org/parley/web/secret.txt", "/org/parley/server/web/WebApp.class", "http://evil.test/index.html", "*"})
    void namesThatAreNotPlainFilesOfTheAppAreNotFound(String target) throws IOException {
        RawHttp response = exchange(fromFolder(), "GET", target);
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.text()).isEqualTo("not found\n");
        assertHardened(response);
    }

    @Test
    void overlongAndDeepNamesAreNotFound() throws IOException {
        WebApp app = fromFolder();
        assertThat(exchange(app, "GET", "/" + "a".repeat(600)).status()).isEqualTo(404);
        assertThat(exchange(app, "GET", "/assets/" + "b".repeat(129)).status()).isEqualTo(404);
        assertThat(exchange(app, "GET", "/a".repeat(9)).status()).isEqualTo(404);
    }

    @Test
    void withoutAnAppTheRootSaysItWasNotBuilt() throws IOException {
        WebApp app = WebApp.load(new URLClassLoader(new URL[0], null), WebApp.RESOURCE_DIR, "/v1/ws", SERVER_KEY);
        assertThat(app.built()).isFalse();
        RawHttp root = exchange(app, "GET", "/");
        assertThat(root.status()).isEqualTo(200);
        assertThat(root.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(root.text()).contains("web app was not built", "Node.js 20");
        assertHardened(root);
        assertThat(exchange(app, "GET", "/index.html").status()).isEqualTo(404);
        assertThat(exchange(app, "HEAD", "/").body()).isEmpty();
    }

    @Test
    void compressibleFilesGoGzippedToBrowsersThatAcceptIt() throws IOException {
        WebApp app = fromJar();
        String path = "/assets/big-Ef56.js";
        RawHttp plain = exchange(app, "GET", path);
        assertThat(plain.header("Content-Encoding")).isNull();
        assertThat(plain.text()).isEqualTo(BIG_SCRIPT);
        assertThat(plain.header("Vary")).isEqualToIgnoringCase("Accept-Encoding");

        RawHttp gzipped = exchange(app, "GET", path, "Accept-Encoding: br, gzip;q=0.8");
        assertThat(gzipped.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(gzipped.header("Content-Length")).isEqualTo(String.valueOf(gzipped.body().length));
        assertThat(gzipped.body().length).isLessThan(BIG_SCRIPT.length() / 10);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(BIG_SCRIPT);
        }
        assertHardened(gzipped);
        assertThat(gzipped.header("ETag")).as("each encoding has its own tag").isNotEqualTo(plain.header("ETag"));
        assertThat(exchange(app, "GET", path, "Accept-Encoding: gzip", "If-None-Match: " + gzipped.header("ETag")).status()).isEqualTo(304);
        assertThat(exchange(app, "GET", path, "Accept-Encoding: gzip", "If-None-Match: " + plain.header("ETag")).status()).isEqualTo(200);

        RawHttp head = exchange(app, "HEAD", path, "Accept-Encoding: gzip");
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(gzipped.body().length));
        assertThat(exchange(app, "GET", path, "Accept-Encoding: *").header("Content-Encoding")).isEqualTo("gzip");
        for (String refusing : new String[] {"gzip;q=0", "gzip; q=0.000", "identity", "br, deflate", "*;q=0", "gzip-ish"}) {
            RawHttp response = exchange(app, "GET", path, "Accept-Encoding: " + refusing);
            assertThat(response.header("Content-Encoding")).as(refusing).isNull();
            assertThat(response.text()).as(refusing).isEqualTo(BIG_SCRIPT);
        }
        assertThat(exchange(app, "GET", "/icon-192.png", "Accept-Encoding: gzip").header("Content-Encoding"))
                .as("a PNG is compressed already").isNull();
        assertThat(exchange(app, "GET", "/sw.js", "Accept-Encoding: gzip").header("Content-Encoding"))
                .as("too small to gain").isNull();
    }
}
