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
import org.parley.server.transport.WebAppRoutes;

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
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Serves the web app's files. They are read once from the class path folder
 * {@value #RESOURCE_DIR} (the {@code parley-web} jar, or a folder placed before it) into memory,
 * and a request finds a file only by exact name among them: nothing in a URL reaches a file system,
 * and a name that is not plain ({@code %}-escapes, dot segments, backslashes) is a 404 before any
 * lookup.
 */
public final class WebApp implements WebAppRoutes {
    public static final String RESOURCE_DIR = "org/parley/web/app/";

    /**
     * Only the app's own files, no inline script or style, nothing framed, no form posts. 'self' in
     * connect-src covers the same-origin WebSocket (CSP Level 3). WebCodecs and AudioWorklet need
     * nothing more: worklet modules are scripts from 'self'.
     */
    public static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:",
            "media-src 'self' blob:", "connect-src 'self'", "worker-src 'self'", "manifest-src 'self'",
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

    /** One file, with its validator and caching rule computed once. */
    private record Asset(byte[] bytes, String contentType, String etag, String cacheControl) {
    }

    private final Map<String, Asset> assets;

    private WebApp(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** The app on this class's class path, or an app that says it was not built. */
    public static WebApp fromClassPath() {
        return load(WebApp.class.getClassLoader(), RESOURCE_DIR);
    }

    /** The app under {@code dir} (ending in '/') of the loader's class path: a folder or a jar. */
    static WebApp load(ClassLoader loader, String dir) {
        URL index = loader.getResource(dir + INDEX);
        if (index == null) {
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
        Map<String, Asset> assets = new HashMap<>();
        files.forEach((name, bytes) -> assets.put(name, new Asset(bytes, contentType(name), etag(bytes),
                name.startsWith("assets/") ? IMMUTABLE : REVALIDATE)));
        return new WebApp(Map.copyOf(assets));
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
            byte[] body = ("/".equals(path) ? NOT_BUILT : "not found\n").getBytes(StandardCharsets.UTF_8);
            HttpResponseStatus status = "/".equals(path) ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND;
            send(ctx, keepAlive, head, status, body, "text/plain; charset=utf-8", REVALIDATE, null);
            return;
        }
        Asset asset = path != null && path.length() <= MAX_PATH_LENGTH && PLAIN_PATH.matcher(path).matches()
                ? assets.get("/".equals(path) ? INDEX : path.substring(1)) : null;
        if (asset == null) {
            send(ctx, keepAlive, head, HttpResponseStatus.NOT_FOUND, "not found\n".getBytes(StandardCharsets.UTF_8),
                    "text/plain; charset=utf-8", REVALIDATE, null);
        } else if (unchanged(request.headers().get(HttpHeaderNames.IF_NONE_MATCH), asset.etag())) {
            send(ctx, keepAlive, true, HttpResponseStatus.NOT_MODIFIED, asset.bytes(), asset.contentType(), asset.cacheControl(), asset.etag());
        } else {
            send(ctx, keepAlive, head, HttpResponseStatus.OK, asset.bytes(), asset.contentType(), asset.cacheControl(), asset.etag());
        }
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

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, boolean headersOnly, HttpResponseStatus status,
                             byte[] body, String contentType, String cacheControl, String etag) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                headersOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        HttpHeaders headers = response.headers();
        securityHeaders(headers);
        headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        if (etag != null) {
            headers.set(HttpHeaderNames.ETAG, etag);
        }
        if (!status.equals(HttpResponseStatus.NOT_MODIFIED)) {
            HttpUtil.setContentLength(response, body.length); // a HEAD gives the length its GET would have
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
    static void securityHeaders(HttpHeaders headers) {
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
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

    private static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /** A strong validator: the SHA-256 of the bytes (RFC 9110 section 8.8.3). */
    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
