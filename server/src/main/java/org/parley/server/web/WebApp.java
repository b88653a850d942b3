package org.parley.server.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.parley.server.transport.HttpResponses;
import org.parley.server.transport.HttpRouter;
import org.parley.server.transport.WebAppRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the web app's files. They are read once from the class path folder
 * {@value #RESOURCE_DIR} (the {@code parley-web} jar, or a folder placed before it) into memory,
 * and a request finds a file only by exact name among them: nothing in a URL reaches a file system,
 * and a name that is not plain ({@code %}-escapes, dot segments, backslashes) is a 404 before any
 * lookup. Text files are also kept gzipped, for browsers that accept it.
 *
 * <p>index.html tells the app where the WebSocket is ({@code --ws-path}) and the server's key: the
 * server writes {@code <meta name="parley-ws" content="PATH">} and
 * {@code <meta name="parley-server-key" content="KEY">} into its head once, at load, so its ETag and
 * the service worker's cached copy cover what is served. A meta element is no script, so the
 * Content-Security-Policy and the Subresource Integrity hashes of the scripts hold as built.
 */
public final class WebApp implements WebAppRoutes {
    public static final String RESOURCE_DIR = "org/parley/web/app/";
    private static final String CONNECT_SRC = "connect-src 'self' wss:";
    private static final Logger log = LoggerFactory.getLogger(WebApp.class);

    /**
     * Only the app's own files, no inline script or style, nothing framed, no form posts. 'self' in
     * connect-src covers the same-origin WebSocket (CSP Level 3); wss: lets the app open its tunnel
     * to a bridge, which may be any host a user pastes (what passes there is sealed end to end, see
     * org.parley.protocol.Tunnel). WebCodecs and AudioWorklet need nothing more: worklet modules are
     * scripts from 'self'.
     */
    public static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:",
            "media-src 'self' blob:", CONNECT_SRC, "worker-src 'self'", "manifest-src 'self'",
            "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'");
    public static final String PERMISSIONS_POLICY =
            "microphone=(self), camera=(self), display-capture=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()";
    /** Vite names files under assets/ by their content's hash, so they never change under one name. */
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    /** index.html, sw.js, the manifest and icons: always revalidated (by ETag), so an upgrade shows at once. */
    static final String REVALIDATE = "no-cache";
    static final String NOT_BUILT = "Parley's web app was not built into this server: building it needs Node.js 20 or newer"
            + " (see the README). Everything else works; use the parley command.\n";

    private static final String INDEX = "index.html";
    /** The name of index.html's meta element that holds the WebSocket's path (web/src/core/net/address.ts reads it). */
    public static final String WEBSOCKET_META = "parley-ws";
    /**
     * The name of index.html's meta element that holds the server's Ed25519 public key, base64url
     * without padding: the key a tunnel's ServerHello must be signed with.
     */
    public static final String SERVER_KEY_META = "parley-server-key";
    private static final Pattern HEAD = Pattern.compile("<head(\\s[^>]*)?>", Pattern.CASE_INSENSITIVE);
    private static final String NOT_FOUND = HttpResponses.NOT_FOUND + "\n";
    private static final int MAX_PATH_LENGTH = 512;
    /** Plain segments of letters, digits, '.', '_' and '-', not starting with a dot: no "..", no hidden files, no escapes. */
    private static final Pattern PLAIN_PATH = Pattern.compile("/|(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){1,8}");
    private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("wav", "audio/wav"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /** Types worth compressing; images and fonts are compressed already. */
    private static final Set<String> COMPRESSIBLE = Set.of("text/html; charset=utf-8", "text/javascript; charset=utf-8",
            "text/css; charset=utf-8", "application/json", "application/manifest+json", "image/svg+xml", "application/wasm",
            "text/plain; charset=utf-8");

    /** Bytes as sent, with their strong validator (each encoding is a representation of its own: RFC 9110 section 8.8.3). */
    private record Body(byte[] bytes, String etag) {
        static Body of(String text) {
            return new Body(text.getBytes(StandardCharsets.UTF_8), null);
        }
    }

    /** One file, with its validators, caching rule and gzip form (null when that is no smaller) computed once. */
    private record Asset(Body identity, Body gzip, String contentType, String cacheControl) {
        static Asset of(String name, byte[] bytes) {
            String type = WebApp.contentType(name);
            String tag = tag(bytes);
            byte[] compressed = COMPRESSIBLE.contains(type) ? WebApp.gzip(bytes) : null;
            return new Asset(new Body(bytes, "\"" + tag + "\""),
                    compressed != null && compressed.length < bytes.length ? new Body(compressed, "\"" + tag + "-gzip\"") : null,
                    type, name.startsWith("assets/") ? IMMUTABLE : REVALIDATE);
        }
    }

    private final Map<String, Asset> assets;
    private final String contentSecurityPolicy;

    private WebApp(Map<String, Asset> assets) {
        this(assets, CONTENT_SECURITY_POLICY);
    }

    private WebApp(Map<String, Asset> assets, String contentSecurityPolicy) {
        this.assets = assets;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /**
     * The app allowed to open WebTransport to the call relay on UDP {@code port} of whatever host
     * served it (CSP cannot say "this host, another port", hence the host wildcard on that one port).
     */
    public WebApp withWebTransportPort(int port) {
        return withConnectSources(List.of("https://*:" + port));
    }

    /**
     * The app allowed to connect to this server's alternate addresses ({@code parley server
     * --alternate}), which it learns signed and fails over to: exactly the origins of the https and
     * wss ones ({@link AlternateOrigins}), nothing wider. Bridge links and plain-http addresses add
     * nothing: the app does not use them.
     */
    public WebApp withAlternates(List<String> alternates) {
        return withConnectSources(AlternateOrigins.of(alternates));
    }

    private WebApp withConnectSources(List<String> sources) {
        if (sources.isEmpty()) {
            return this;
        }
        return new WebApp(assets, contentSecurityPolicy.replace(CONNECT_SRC, CONNECT_SRC + " " + String.join(" ", sources)));
    }

    /** Whether the app was built into this class's class path (the build had Node.js). */
    public static boolean onClassPath() {
        return WebApp.class.getClassLoader().getResource(RESOURCE_DIR + INDEX) != null;
    }

    /**
     * The app on this class's class path, or an app that says it was not built, for a WebSocket at
     * {@code webSocketPath} of the server whose Ed25519 public key is {@code serverKey}.
     *
     * @throws IllegalArgumentException when that path is one of the app's files or folders
     */
    public static WebApp fromClassPath(String webSocketPath, byte[] serverKey) {
        return load(WebApp.class.getClassLoader(), RESOURCE_DIR, webSocketPath, serverKey);
    }

    /** The app under {@code dir} (ending in '/') of the loader's class path: a folder or a jar. */
    static WebApp load(ClassLoader loader, String dir, String webSocketPath, byte[] serverKey) {
        HttpRouter.checkWebSocketPath(webSocketPath);
        URL index = loader.getResource(dir + INDEX);
        if (index == null) {
            log.info(startLine(null, 0));
            return new WebApp(Map.of());
        }
        Map<String, byte[]> files = new HashMap<>();
        try {
            switch (index.getProtocol()) {
                case "file" -> readFolder(Path.of(index.toURI()).getParent(), files);
                case "jar" -> readJar(index, dir, files);
                default -> throw new IllegalStateException("the web app is at " + index + ", neither a folder nor a jar");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the web app from " + index + " failed: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the web app's location " + index + " is not a valid URI", e);
        }
        checkNotAFile(webSocketPath, files.keySet());
        files.computeIfPresent(INDEX, (name, page) -> withMetas(page, webSocketPath, serverKey));
        Map<String, Asset> assets = new HashMap<>();
        files.forEach((name, bytes) -> assets.put(name, Asset.of(name, bytes)));
        log.info(startLine(index, assets.size()));
        return new WebApp(Map.copyOf(assets));
    }

    /** The WebSocket at one of the app's files, or inside one of its folders, would hide it (or be hidden). */
    private static void checkNotAFile(String webSocketPath, Set<String> files) {
        String name = webSocketPath.substring(1);
        for (String file : files) {
            if (file.equals(name) || file.startsWith(name + "/")) {
                throw new IllegalArgumentException("the WebSocket path " + webSocketPath + " is a file or folder of the web app ("
                        + file + "); choose another");
            }
        }
    }

    /**
     * index.html with the meta elements naming the WebSocket's path and the server's key first in its
     * head; a page without a head (not one the app's build makes) is left as it is, and the app then
     * uses the default path and cannot tunnel. Neither needs escaping: {@link HttpRouter#checkWebSocketPath}
     * admits no quote or angle bracket, and base64url has none.
     */
    private static byte[] withMetas(byte[] page, String webSocketPath, byte[] serverKey) {
        String html = new String(page, StandardCharsets.UTF_8);
        Matcher head = HEAD.matcher(html);
        if (!head.find()) {
            return page;
        }
        String metas = meta(WEBSOCKET_META, webSocketPath)
                + meta(SERVER_KEY_META, Base64.getUrlEncoder().withoutPadding().encodeToString(serverKey));
        return (html.substring(0, head.end()) + metas + html.substring(head.end())).getBytes(StandardCharsets.UTF_8);
    }

    private static String meta(String name, String content) {
        return "\n    <meta name=\"" + name + "\" content=\"" + content + "\" />";
    }

    /** Whether the jar carried an app (the build had Node.js). */
    public boolean built() {
        return !assets.isEmpty();
    }

    @Override
    public void serve(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
        boolean head = request.method().equals(HttpMethod.HEAD);
        String path = pathOf(request.uri());
        if (!built()) {
            boolean root = "/".equals(path);
            send(ctx, keepAlive, head, root ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND, Body.of(root ? NOT_BUILT : NOT_FOUND),
                    false, "text/plain; charset=utf-8", REVALIDATE);
            return;
        }
        Asset asset = path != null && path.length() <= MAX_PATH_LENGTH && PLAIN_PATH.matcher(path).matches()
                ? assets.get("/".equals(path) ? INDEX : path.substring(1)) : null;
        if (asset == null) {
            send(ctx, keepAlive, head, HttpResponseStatus.NOT_FOUND, Body.of(NOT_FOUND), false, "text/plain; charset=utf-8", REVALIDATE);
            return;
        }
        boolean gzipped = asset.gzip() != null && acceptsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
        Body body = gzipped ? asset.gzip() : asset.identity();
        boolean unchanged = unchanged(request.headers().get(HttpHeaderNames.IF_NONE_MATCH), body.etag());
        send(ctx, keepAlive, head || unchanged, unchanged ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK, body, gzipped,
                asset.contentType(), asset.cacheControl());
    }

    /** Accept-Encoding (RFC 9110 section 12.5.3) names gzip (or "*") without q=0. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.split(";");
            String name = parts[0].strip().toLowerCase(Locale.ROOT);
            if (name.equals("gzip") || name.equals("x-gzip") || name.equals("*")) {
                for (int i = 1; i < parts.length; i++) {
                    String parameter = parts[i].strip().toLowerCase(Locale.ROOT).replace(" ", "");
                    if (parameter.matches("q=0(\\.0{0,3})?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** If-None-Match (RFC 9110 section 13.1.2): "*" or a list of tags, compared weakly. */
    private static boolean unchanged(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String candidate = tag.strip();
            if (candidate.equals("*") || (candidate.startsWith("W/") ? candidate.substring(2) : candidate).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** The path exactly as sent (no %-decoding: an escaped name is not a plain one), or null for a non-path target. */
    private static String pathOf(String uri) {
        if (!uri.startsWith("/")) {
            return null;
        }
        int end = uri.length();
        for (char c : new char[] {'?', '#'}) {
            int at = uri.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return uri.substring(0, end);
    }

    private void send(ChannelHandlerContext ctx, boolean keepAlive, boolean headersOnly, HttpResponseStatus status,
                             Body body, boolean gzipped, String contentType, String cacheControl) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                headersOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body.bytes()));
        HttpHeaders headers = response.headers();
        securityHeaders(headers, contentSecurityPolicy);
        headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        if (body.etag() != null) {
            headers.set(HttpHeaderNames.ETAG, body.etag());
            headers.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        if (gzipped) {
            headers.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        if (!status.equals(HttpResponseStatus.NOT_MODIFIED)) {
            HttpUtil.setContentLength(response, body.bytes().length); // a HEAD gives the length its GET would have
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The browser hardening every answer of the app carries, 404s included. */
    static void securityHeaders(HttpHeaders headers, String contentSecurityPolicy) {
        headers.set("Content-Security-Policy", contentSecurityPolicy);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cross-Origin-Opener-Policy", "same-origin");
        headers.set("Cross-Origin-Resource-Policy", "same-origin");
        headers.set("Permissions-Policy", PERMISSIONS_POLICY);
        headers.set("X-Frame-Options", "DENY");
    }

    private static void readFolder(Path root, Map<String, byte[]> files) throws IOException {
        Path real = root.toRealPath(); // the folder may be a link (the browser tests link web/dist here)
        try (Stream<Path> walk = Files.walk(real)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(real.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
            }
        }
    }

    private static void readJar(URL index, String dir, Map<String, byte[]> files) throws IOException {
        JarURLConnection connection = (JarURLConnection) index.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (!entry.isDirectory() && entry.getName().startsWith(dir)) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        files.put(entry.getName().substring(dir.length()), in.readAllBytes());
                    }
                }
            }
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip into memory failed", e);
        }
        return out.toByteArray();
    }

    private static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /** The opaque part of a strong validator: the SHA-256 of the file's bytes. */
    private static String tag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The one line the server logs at start, so an operator sees whether {@code /} serves the app and from where. */
    static String startLine(URL index, int files) {
        if (index == null) {
            return "web app: not built (no " + RESOURCE_DIR + INDEX + " on the class path: the build had no Node.js 20+;"
                    + " see the README)";
        }
        return "web app: serving " + files + " files from " + ("jar".equals(index.getProtocol()) ? "the jar" : "the folder "
                + index.getPath().substring(0, index.getPath().length() - INDEX.length()));
    }
}
