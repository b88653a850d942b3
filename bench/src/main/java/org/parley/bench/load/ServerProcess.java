package org.parley.bench.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The server under test seen through {@code /proc}: its CPU seconds (user + system) and resident
 * memory, and how to find its PID from the port it listens on (the socket inode in
 * {@code /proc/net/tcp*} matched against every process's {@code fd} links).
 */
public final class ServerProcess {

    /** Linux {@code USER_HZ}: the unit of utime and stime in {@code /proc/PID/stat}. */
    private static final double CLOCK_TICKS_PER_SECOND = 100.0;
    private static final String LISTEN_STATE = "0A";

    private final long pid;
    private final Path proc;

    public ServerProcess(long pid) {
        this(pid, Path.of("/proc"));
    }

    ServerProcess(long pid, Path proc) {
        this.pid = pid;
        this.proc = proc;
    }

    public long pid() {
        return pid;
    }

    /** User plus system CPU time the process has used, in seconds. */
    public double cpuSeconds() throws IOException {
        try {
            return parseCpuSeconds(Files.readString(proc.resolve(pid + "/stat")));
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read the CPU time of process " + pid + ": " + e.getMessage(), e);
        }
    }

    /**
     * CPU seconds the process's JIT compiler threads have used (HotSpot's "C1 CompilerThread" and
     * "C2 CompilerThread", named so in {@code /proc/PID/task/TID/stat}); 0 for a process without
     * them (ejabberd). A JVM compiles for a minute or more under a new load on a slow machine, and
     * that is not what a message costs once the server runs warm.
     */
    public double compilerCpuSeconds() throws IOException {
        double seconds = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                if (isCompilerThread(stat)) {
                    seconds += parseCpuSeconds(stat);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read the threads of process " + pid + ": " + e.getMessage(), e);
        }
        return seconds;
    }

    /** A thread's stat line names a JIT compiler thread (the kernel keeps the first 15 bytes of its name). */
    static boolean isCompilerThread(String stat) {
        int open = stat.indexOf('(');
        return open >= 0 && (stat.startsWith("C1 CompilerThre", open + 1) || stat.startsWith("C2 CompilerThre", open + 1));
    }

    /** Resident set size in bytes ({@code VmRSS}). */
    public long rssBytes() throws IOException {
        try {
            return parseRssBytes(Files.readAllLines(proc.resolve(pid + "/status")));
        } catch (IllegalArgumentException e) {
            throw new IOException("process " + pid + " has exited (" + e.getMessage() + ")", e);
        }
    }

    static double parseCpuSeconds(String stat) {
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: no ')' after the command name");
        }
        String[] fields = stat.substring(close + 2).trim().split(" ");
        if (fields.length < 13) {
            throw new IllegalArgumentException("/proc/PID/stat line has " + fields.length + " fields after the name, expected 13 or more");
        }
        // After the name: state(3) ... utime(14) stime(15), i.e. indexes 11 and 12 here.
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
    }

    static long parseRssBytes(List<String> status) {
        for (String line : status) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("/proc/PID/status has no VmRSS line (is the process a zombie?)");
    }

    /** The process that listens on TCP {@code port}, if this user can see it. */
    public static Optional<ServerProcess> listeningOn(int port) throws IOException {
        return listeningOn(port, Path.of("/proc")).map(ServerProcess::new);
    }

    static Optional<Long> listeningOn(int port, Path proc) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            Path file = proc.resolve(table);
            if (Files.isReadable(file)) {
                inodes.addAll(listeningInodes(Files.readAllLines(file), port));
            }
        }
        if (inodes.isEmpty()) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path process : processes) {
                if (holdsAnySocket(process.resolve("fd"), inodes)) {
                    return Optional.of(Long.parseLong(process.getFileName().toString()));
                }
            }
        }
        return Optional.empty();
    }

    /** Socket inodes in a {@code /proc/net/tcp} table that listen on {@code port}. */
    static Set<String> listeningInodes(List<String> table, int port) {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String line : table.subList(Math.min(1, table.size()), table.size())) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.length > 9 && f[1].endsWith(":" + hexPort) && LISTEN_STATE.equals(f[3])) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }

    private static boolean holdsAnySocket(Path fdDir, Set<String> inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    return true;
                }
            }
        } catch (IOException | SecurityException e) {
            return false; // another user's process, or gone
        }
        return false;
    }
}
