package org.parley.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A clean Debian 12 (bookworm) root to install the package in, as a fresh VM has it with Java:
 * debootstrap's minbase plus adduser, a Java runtime and systemd (for systemd-analyze verify;
 * it does not run). Made once and kept in /var/cache/parley-test (about a minute; later runs
 * reuse it), then used read-only: each run mounts an overlay on it in a mount and network
 * namespace of its own (loopback only), so the cache stays clean, the default loopback port of
 * the installed server cannot meet anything else on this machine, and everything mounted goes
 * away with the namespace.
 */
final class CleanRoot implements Shell, AutoCloseable {
    static final Path CACHE = Path.of("/var/cache/parley-test");
    private static final String SUITE = "bookworm";
    private static final List<String> PACKAGES = List.of("adduser", "default-jre-headless", "systemd");
    private static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Process holder;
    private final Path merged;

    private CleanRoot(Process holder, Path merged) {
        this.holder = holder;
        this.merged = merged;
    }

    /** Why this machine cannot make a clean root, or empty when it can. */
    static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("it needs root (chroot, mounts, namespaces)");
        }
        for (String tool : List.of("/usr/sbin/debootstrap", "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/chroot", "/usr/sbin/ip")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return Optional.of(tool + " is missing (apt-get install debootstrap util-linux iproute2)");
            }
        }
        return Optional.empty();
    }

    /**
     * The cached root, made now if missing; then an overlay of it in new namespaces, with
     * {@code files} copied into its folder /parley-test.
     */
    static CleanRoot start(Path work, List<Path> files) throws IOException, InterruptedException {
        Path lower = cached();
        Path upper = Files.createDirectories(work.resolve("upper"));
        Path workdir = Files.createDirectories(work.resolve("overlay-work"));
        Path merged = Files.createDirectories(work.resolve("root"));
        Path inbox = Files.createDirectories(upper.resolve("parley-test"));
        for (Path file : files) {
            Files.copy(file, inbox.resolve(file.getFileName()));
        }
        String script = String.join(" && ",
                "mount -t overlay overlay -o lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + workdir + " " + merged,
                "mount -t proc proc " + merged + "/proc",
                "mount --rbind /dev " + merged + "/dev",
                "ip link set lo up",
                "echo ready",
                "exec sleep infinity");
        // unshare makes the mounts private to the new namespace (its default propagation).
        Process holder = new ProcessBuilder("unshare", "--mount", "--net", "--", "sh", "-c", script)
                .redirectError(work.resolve("namespace.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            holder.destroyForcibly().waitFor();
            throw new AssertionError("the clean root's namespace did not come up: " + Files.readString(work.resolve("namespace.err")));
        }
        return new CleanRoot(holder, merged);
    }

    @Override
    public Commands.Result run(String... argv) {
        return Commands.run(Duration.ofMinutes(5), command(List.of(argv)));
    }

    /** A long-running command inside the clean root, its output in {@code log}. */
    Process spawn(List<String> argv, Path log) throws IOException {
        return new ProcessBuilder(command(argv)).redirectInput(new File("/dev/null"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Boots the root's systemd in a container (systemd-nspawn, in this namespace's network), as a
     * machine starts after the package was installed; its console goes to {@code log}.
     */
    BootedSystem boot(Path log) throws IOException, InterruptedException {
        // nspawn makes /dev and /proc of its own: the chroot's mounts would be in its way (and chroot commands end here).
        Commands.run(Duration.ofMinutes(1), List.of("nsenter", "--target", Long.toString(holder.pid()), "--mount", "--",
                "umount", "--recursive", merged + "/dev", merged + "/proc")).ok();
        Process nspawn = new ProcessBuilder("nsenter", "--target", Long.toString(holder.pid()), "--mount", "--net", "--",
                "systemd-nspawn", "--quiet", "--directory=" + merged, "--register=no", "--keep-unit", "--console=read-only", "--boot")
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return BootedSystem.await(nspawn, log);
    }

    private List<String> command(List<String> argv) {
        List<String> command = new ArrayList<>(List.of("nsenter", "--target", Long.toString(holder.pid()), "--mount", "--net", "--",
                "chroot", merged.toString(), "/usr/bin/env", "-i", PATH, "LANG=C.UTF-8", "HOME=/root"));
        command.addAll(argv);
        return command;
    }

    /** Ends the namespace (once nothing else runs in it), which unmounts everything; the overlay's changes stay in the work folder. */
    @Override
    public void close() {
        holder.destroyForcibly();
        try {
            holder.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The cached root; made under a lock (two builds at once make it once), in a folder renamed into place when whole. */
    private static Path cached() throws IOException, InterruptedException {
        Path root = CACHE.resolve(SUITE + "-minbase-" + String.join("-", PACKAGES));
        Files.createDirectories(CACHE);
        try (FileChannel lockFile = FileChannel.open(CACHE.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.lock()) {
            if (Files.isDirectory(root)) {
                return root;
            }
            Path partial = CACHE.resolve(root.getFileName() + ".partial");
            Commands.run(Duration.ofMinutes(2), List.of("rm", "-rf", partial.toString())).ok();
            long started = System.nanoTime();
            Commands.run(Duration.ofMinutes(30), List.of("debootstrap", "--variant=minbase", "--include=" + String.join(",", PACKAGES),
                    SUITE, partial.toString(), mirror())).ok();
            Commands.run(Duration.ofMinutes(2), List.of("chroot", partial.toString(), "apt-get", "clean")).ok();
            Files.move(partial, root);
            System.out.printf("[parley-dist] made the clean %s root %s in %d s%n", SUITE, root, (System.nanoTime() - started) / 1_000_000_000L);
            return root;
        }
    }

    /** PARLEY_DEB_MIRROR, else the first Debian mirror this machine's apt uses, else deb.debian.org. */
    static String mirror() throws IOException {
        String chosen = System.getenv("PARLEY_DEB_MIRROR");
        if (chosen != null && !chosen.isBlank()) {
            return chosen;
        }
        Pattern uri = Pattern.compile("(?m)^(?:URIs:\\s*|deb\\s+(?:\\[[^]]*]\\s+)?)(\\S+/debian)/?(?:\\s|$)");
        List<Path> sources = new ArrayList<>();
        Path list = Path.of("/etc/apt/sources.list");
        if (Files.isRegularFile(list)) {
            sources.add(list);
        }
        Path folder = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(file -> file.toString().endsWith(".sources") || file.toString().endsWith(".list")).sorted().forEach(sources::add);
            }
        }
        for (Path source : sources) {
            Matcher found = uri.matcher(Files.readString(source));
            if (found.find()) {
                return found.group(1);
            }
        }
        return DEFAULT_MIRROR;
    }
}
