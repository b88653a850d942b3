package org.parley.client.testnet;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace made by a test and joined to the test's own namespace by a veth pair: the
 * test's side has {@link #hostAddress()}, the namespace's side {@link #namespaceAddress()}, a /30
 * taken at random from 198.18.0.0/15 (RFC 2544's benchmarking range, which real networks do not
 * use). Firewall rules go into the namespace's own nftables ({@link #dropUdp}), never the host's.
 *
 * <p>Names carry the creating JVM's pid, so that {@link #create} first removes what a crashed
 * run left behind (namespaces and links whose pid is gone) without touching a run in progress,
 * and {@link #close} (or, if the JVM is stopped, a shutdown hook) removes its own.
 *
 * <p>Needs Linux, root, {@code ip} (iproute2) and {@code nft} (Debian's nftables): where one is
 * missing the test is skipped with the reason, or fails under {@code PARLEY_REQUIRE_NETNS=1} (CI).
 */
public final class NetworkNamespace implements AutoCloseable {
    static final String NAME_PREFIX = "parley-test-";
    private static final Pattern NAMESPACE = Pattern.compile("^" + NAME_PREFIX + "(\\d+)-[0-9a-f]+$");
    /** Interface names have at most 15 characters: "pt", the pid, 'h' or 'n', 4 hex digits. */
    private static final Pattern LINK = Pattern.compile("^pt(\\d+)[hn][0-9a-f]{4}$");
    private static final String TABLE = "inet parley_test";
    private static final int BENCHMARK_NET = (198 << 24) | (18 << 16);
    private static final int BENCHMARK_SUBNETS = 1 << 15; // /30s in 198.18.0.0/15
    private static final long COMMAND_SECONDS = 30;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final String hostLink;
    private final InetAddress hostAddress;
    private final InetAddress namespaceAddress;
    private final Thread cleanupOnExit;
    private boolean closed;

    private NetworkNamespace(String name, String hostLink, InetAddress hostAddress, InetAddress namespaceAddress) {
        this.name = name;
        this.hostLink = hostLink;
        this.hostAddress = hostAddress;
        this.namespaceAddress = namespaceAddress;
        this.cleanupOnExit = new Thread(this::remove, "netns-cleanup");
    }

    /** Makes a namespace with a veth pair to this one, or skips the test (fails in CI) where it cannot. */
    public static NetworkNamespace create() {
        requireTools();
        removeLeftovers();
        long pid = ProcessHandle.current().pid();
        String suffix = HexFormat.of().toHexDigits((short) RANDOM.nextInt());
        String name = NAME_PREFIX + pid + "-" + suffix;
        String hostLink = "pt" + pid + "h" + suffix;
        String namespaceLink = "pt" + pid + "n" + suffix;
        InetAddress[] pair = freeSubnet();
        NetworkNamespace ns = new NetworkNamespace(name, hostLink, pair[0], pair[1]);
        Runtime.getRuntime().addShutdownHook(ns.cleanupOnExit);
        try {
            Result added = run(null, "ip", "netns", "add", name);
            if (added.exit() != 0) {
                unavailable("`ip netns add` failed (" + added.output().strip() + "); the restricted-network tests need root");
            }
            // The peer is made inside the namespace at once, so deleting the namespace deletes both ends.
            check(run(null, "ip", "link", "add", hostLink, "type", "veth", "peer", "name", namespaceLink, "netns", name));
            check(run(null, "ip", "addr", "add", pair[0].getHostAddress() + "/30", "dev", hostLink));
            check(run(null, "ip", "link", "set", hostLink, "up"));
            check(run(null, "ip", "-n", name, "addr", "add", pair[1].getHostAddress() + "/30", "dev", namespaceLink));
            check(run(null, "ip", "-n", name, "link", "set", namespaceLink, "up"));
            check(run(null, "ip", "-n", name, "link", "set", "lo", "up"));
            return ns;
        } catch (RuntimeException | Error e) {
            ns.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** This side's end of the veth pair. */
    public InetAddress hostAddress() {
        return hostAddress;
    }

    /** The namespace's end of the veth pair. */
    public InetAddress namespaceAddress() {
        return namespaceAddress;
    }

    /** {@code argv} prefixed so that it runs inside the namespace. */
    public List<String> command(List<String> argv) {
        List<String> out = new ArrayList<>(List.of(tool("ip"), "netns", "exec", name));
        out.addAll(argv);
        return out;
    }

    /**
     * Drops UDP to and from {@code port} inside the namespace (what a network blocking a relay
     * does), counting what it dropped; replaces an earlier rule set of this class.
     */
    public void dropUdp(int port) {
        allowUdp();
        nft("table " + TABLE + " {\n"
                + "  chain input { type filter hook input priority filter; policy accept; udp dport " + port + " counter drop; }\n"
                + "  chain output { type filter hook output priority filter; policy accept; udp sport " + port + " counter drop; }\n"
                + "}\n");
    }

    /** Removes the rules of {@link #dropUdp}, if any. */
    public void allowUdp() {
        // "add" first, so that the delete never fails on a missing table.
        nft("add table " + TABLE + "\ndelete table " + TABLE + "\n");
    }

    /** Datagrams the rules of {@link #dropUdp} dropped so far, both ways. */
    public long droppedDatagrams() {
        Result listed = run(null, "ip", "netns", "exec", name, tool("nft"), "list", "table", TABLE);
        check(listed);
        long sum = 0;
        Matcher counter = Pattern.compile("counter packets (\\d+)").matcher(listed.output());
        while (counter.find()) {
            sum += Long.parseLong(counter.group(1));
        }
        return sum;
    }

    private void nft(String script) {
        check(run(script, "ip", "netns", "exec", name, tool("nft"), "-f", "-"));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        remove();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself.
        }
    }

    /** Stops what still runs inside, then deletes the namespace and with it both veth ends. */
    private void remove() {
        delete(name);
        if (run(null, "ip", "link", "show", hostLink).exit() == 0) {
            run(null, "ip", "link", "del", hostLink);
        }
    }

    private static void delete(String namespace) {
        Result pids = run(null, "ip", "netns", "pids", namespace);
        if (pids.exit() == 0) {
            for (String pid : pids.output().split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        run(null, "ip", "netns", "del", namespace);
    }

    /** Namespaces and host links of earlier runs whose JVM is gone (a crash or a kill -9). */
    private static void removeLeftovers() {
        for (String existing : run(null, "ip", "netns", "list").output().split("\n")) {
            String namespace = existing.strip().split("\\s+")[0];
            Matcher m = NAMESPACE.matcher(namespace);
            if (m.matches() && !alive(m.group(1))) {
                delete(namespace);
            }
        }
        for (String line : run(null, "ip", "-o", "link", "show").output().split("\n")) {
            String[] parts = line.split(":\\s+", 3);
            if (parts.length < 2) {
                continue;
            }
            String link = parts[1].split("@")[0];
            Matcher m = LINK.matcher(link);
            if (m.matches() && !alive(m.group(1))) {
                run(null, "ip", "link", "del", link);
            }
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A random /30 of the benchmarking range whose two addresses this host does not use yet. */
    private static InetAddress[] freeSubnet() {
        String used = run(null, "ip", "-o", "-4", "addr", "show").output();
        for (int attempt = 0; attempt < 20; attempt++) {
            int base = BENCHMARK_NET + 4 * RANDOM.nextInt(BENCHMARK_SUBNETS);
            InetAddress host = address(base + 1);
            InetAddress namespace = address(base + 2);
            if (!used.contains(" " + host.getHostAddress() + "/") && !used.contains(" " + namespace.getHostAddress() + "/")) {
                return new InetAddress[] {host, namespace};
            }
        }
        throw new IllegalStateException("found no free /30 in 198.18.0.0/15 in 20 tries");
    }

    private static InetAddress address(int bits) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static void requireTools() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            unavailable("network namespaces need Linux; this is " + System.getProperty("os.name"));
        }
        if (findTool("ip") == null) {
            unavailable("`ip` (iproute2) is not installed");
        }
        if (findTool("nft") == null) {
            unavailable("`nft` is not installed (Debian package nftables)");
        }
        Result uid = run(null, "id", "-u");
        if (uid.exit() != 0 || !uid.output().strip().equals("0")) {
            unavailable("making network namespaces needs root; running as uid " + uid.output().strip());
        }
    }

    /** Skips the calling test with {@code reason}, or fails it in CI. */
    private static void unavailable(String reason) {
        if ("1".equals(System.getenv("PARLEY_REQUIRE_NETNS"))) {
            Assertions.fail(reason + " (PARLEY_REQUIRE_NETNS=1: these tests must run)");
        }
        Assumptions.abort(reason + "; the restricted-network tests are skipped");
    }

    private static String tool(String command) {
        String path = findTool(command);
        return path == null ? command : path;
    }

    /** On the PATH, or in the sbin folders a non-login root shell may lack. */
    private static String findTool(String command) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Path.of(dir, command).toString();
            }
        }
        return null;
    }

    record Result(String command, int exit, String output) {
    }

    /** Runs a command (stderr merged into the output), feeding it {@code input} when not null. */
    static Result run(String input, String... argv) {
        List<String> command = new ArrayList<>(List.of(argv));
        command.set(0, tool(argv[0]));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("`" + String.join(" ", argv) + "` did not finish within " + COMMAND_SECONDS + " s");
            }
            return new Result(String.join(" ", argv), process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run `" + String.join(" ", argv) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + String.join(" ", argv) + "`", e);
        }
    }

    private static void check(Result result) {
        if (result.exit() != 0) {
            throw new IllegalStateException("`" + result.command() + "` failed (exit " + result.exit() + "): " + result.output().strip());
        }
    }
}
