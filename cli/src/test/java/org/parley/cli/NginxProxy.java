package org.parley.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a process of the test, on a loopback port, running the README's configuration
 * (the block between the {@code nginx-config} markers) with only its listen address, certificate
 * files, upstream port and site folder changed; pid file, logs and temp folders in the test's
 * folder, one process ({@code master_process off}), so no root-only path is touched. Browser tests
 * do the same in web/e2e/nginx.ts.
 */
final class NginxProxy implements AutoCloseable {
    /** The WebSocket path the README's block routes; the test's server uses it too. */
    static final String WEBSOCKET_PATH = "/c/7f3kq";
    static final String SITE_PATH = "/site/";

    private final Process process;
    private final int port;
    private final Path directory;

    private NginxProxy(Process process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /** Debian's nginx binary, or empty when it is not installed. */
    static Optional<Path> binary() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/bin/nginx")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(Path.of(candidate));
            }
        }
        return Optional.empty();
    }

    /** The fenced nginx block between the README's markers. */
    static String readmeBlock() throws IOException {
        return ReadmeBlock.read("nginx-config", "nginx");
    }

    /**
     * The README's block with the test's values for what a real deployment names differently; each
     * README value must be there, so that the test fails rather than silently running another config.
     */
    static String testBlock(String readmeBlock, int port, Path certificate, Path key, int upstreamPort, Path siteRoot) {
        Map<String, String> replacements = new LinkedHashMap<>();
        replacements.put("listen 443 ssl;", "listen 127.0.0.1:" + port + " ssl;");
        replacements.put("/etc/letsencrypt/live/chat.example.org/fullchain.pem", certificate.toString());
        replacements.put("/etc/letsencrypt/live/chat.example.org/privkey.pem", key.toString());
        replacements.put("http://127.0.0.1:7878;", "http://127.0.0.1:" + upstreamPort + ";");
        replacements.put("root /var/www;", "root " + siteRoot + ";");
        String block = readmeBlock;
        for (String kept : List.of("location = " + WEBSOCKET_PATH + " {", "location " + SITE_PATH + " {", "location / {")) {
            requireInReadme(block, kept);
        }
        for (var replacement : replacements.entrySet()) {
            requireInReadme(block, replacement.getKey());
            block = block.replace(replacement.getKey(), replacement.getValue());
        }
        return block;
    }

    private static void requireInReadme(String block, String text) {
        if (!block.contains(text)) {
            throw new AssertionError("the README's nginx block no longer has '" + text + "': update NginxProxy and web/e2e/nginx.ts with it");
        }
    }

    /** Starts nginx in {@code directory} with the README's block for these files and the Parley server at {@code upstreamPort}. */
    static NginxProxy start(Path nginx, Path directory, Path certificate, Path key, int upstreamPort, Path siteRoot) throws Exception {
        int port = LoopbackListener.freePort();
        Path temp = Files.createDirectories(directory.resolve("temp"));
        String config = String.join("\n",
                "daemon off;",
                "master_process off;",
                "pid " + directory.resolve("nginx.pid") + ";",
                "error_log " + directory.resolve("error.log") + " info;",
                "events { worker_connections 512; }",
                "http {",
                "    default_type text/plain;",
                "    client_body_temp_path " + temp.resolve("body") + ";",
                "    proxy_temp_path " + temp.resolve("proxy") + ";",
                "    fastcgi_temp_path " + temp.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + temp.resolve("uwsgi") + ";",
                "    scgi_temp_path " + temp.resolve("scgi") + ";",
                testBlock(readmeBlock(), port, certificate, key, upstreamPort, siteRoot),
                "}", "");
        Path file = directory.resolve("nginx.conf");
        Files.writeString(file, config);
        Path output = directory.resolve("nginx.out");
        Process process = new ProcessBuilder(nginx.toString(), "-p", directory.toString(), "-c", file.toString(),
                "-e", directory.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        NginxProxy proxy = new NginxProxy(process, port, directory);
        try {
            LoopbackListener.await("nginx", process, port, () -> Files.readString(output) + proxy.log());
        } catch (Exception | AssertionError e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    int port() {
        return port;
    }

    /** The server URL clients take: nginx's TLS port and the WebSocket's path. */
    String serverUrl() {
        return "https://127.0.0.1:" + port + WEBSOCKET_PATH;
    }

    String origin() {
        return "https://127.0.0.1:" + port;
    }

    /** What nginx logged, for a failing test's message. */
    String log() throws IOException {
        Path errors = directory.resolve("error.log");
        return Files.exists(errors) ? Files.readString(errors) : "";
    }



    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
