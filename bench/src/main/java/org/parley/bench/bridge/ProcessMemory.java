package org.parley.bench.bridge;

import org.parley.bench.load.ServerProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's memory at one moment: resident set ({@code /proc}), live heap after a full collection
 * ({@code jcmd GC.class_histogram}, whose total counts reachable objects only) with its bytes per
 * class, and NMT's "Other" category, where direct buffers (Netty's pooled ones included) are
 * counted; the process must run with {@code -XX:NativeMemoryTracking=summary}. Kernel socket
 * buffers are in none of these. Every NMT category's committed bytes are kept too (with "Total"), so
 * that a growth of the resident set can be split into what the JVM tracks (its collector's remembered
 * sets, threads, malloc by the JDK) and what it does not (a native library's malloc, glibc arenas).
 */
record ProcessMemory(long rssBytes, long liveHeapBytes, long directBytes, Map<String, Long> heapBytesByClass,
                     Map<String, Long> nativeBytesByCategory) {
    static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    static final Pattern HISTOGRAM_LINE = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)");
    static final Pattern NMT_OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
    static final Pattern NMT_CATEGORY = Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
    static final Pattern NMT_TOTAL = Pattern.compile("(?m)^Total: reserved=\\d+KB, committed=(\\d+)KB");
    static final String NMT_TOTAL_NAME = "Total";

    static ProcessMemory of(long pid) throws IOException, InterruptedException {
        String histogram = jcmd(pid, "GC.class_histogram");
        long liveHeap = parse(HISTOGRAM_TOTAL, histogram, "the class histogram's total");
        String nmt = jcmd(pid, "VM.native_memory", "summary");
        long direct = parse(NMT_OTHER, nmt, "NMT's Other category") * 1024;
        return new ProcessMemory(new ServerProcess(pid).rssBytes(), liveHeap, direct, bytesByClass(histogram), nativeByCategory(nmt));
    }

    ProcessMemory minus(ProcessMemory before) {
        return new ProcessMemory(rssBytes - before.rssBytes, liveHeapBytes - before.liveHeapBytes, directBytes - before.directBytes,
                difference(heapBytesByClass, before.heapBytesByClass), difference(nativeBytesByCategory, before.nativeBytesByCategory));
    }

    /** Each figure divided by {@code count}: the cost of one of {@code count} things that made the difference. */
    ProcessMemory per(int count) {
        return new ProcessMemory(rssBytes / count, liveHeapBytes / count, directBytes / count, divided(heapBytesByClass, count),
                divided(nativeBytesByCategory, count));
    }

    /** The {@code count} classes holding the most heap, one "bytes class" line each, largest first. */
    List<String> largestClasses(int count) {
        return largest(heapBytesByClass, count);
    }

    /**
     * The {@code count} NMT categories that grew most, then the resident set that NMT does not
     * account for (RSS growth minus NMT's committed total, which includes the fixed heap's zero growth).
     */
    List<String> largestNative(int count) {
        Map<String, Long> categories = new HashMap<>(nativeBytesByCategory);
        Long tracked = categories.remove(NMT_TOTAL_NAME);
        List<String> lines = new ArrayList<>(largest(categories, count));
        if (tracked != null) {
            lines.add(String.format(Locale.ROOT, "%8d B  (resident, not tracked by NMT)", rssBytes - tracked));
        }
        return lines;
    }

    private static List<String> largest(Map<String, Long> bytesByName, int count) {
        return bytesByName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(count).map(e -> String.format(Locale.ROOT, "%8d B  %s", e.getValue(), e.getKey())).toList();
    }

    private static Map<String, Long> difference(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> grown = new HashMap<>(after);
        before.forEach((name, bytes) -> grown.merge(name, -bytes, Long::sum));
        return grown;
    }

    private static Map<String, Long> divided(Map<String, Long> bytesByName, int count) {
        Map<String, Long> each = new HashMap<>();
        bytesByName.forEach((name, bytes) -> each.put(name, bytes / count));
        return each;
    }

    /** NMT summary's committed bytes per category, and its committed total under "Total". */
    static Map<String, Long> nativeByCategory(String nmt) {
        Map<String, Long> bytes = new HashMap<>();
        Matcher line = NMT_CATEGORY.matcher(nmt);
        while (line.find()) {
            bytes.put(line.group(1).strip(), Long.parseLong(line.group(2)) * 1024);
        }
        Matcher total = NMT_TOTAL.matcher(nmt);
        if (total.find()) {
            bytes.put(NMT_TOTAL_NAME, Long.parseLong(total.group(1)) * 1024);
        }
        return bytes;
    }

    static Map<String, Long> bytesByClass(String histogram) {
        Map<String, Long> bytes = new HashMap<>();
        Matcher line = HISTOGRAM_LINE.matcher(histogram);
        while (line.find()) {
            bytes.merge(line.group(2), Long.parseLong(line.group(1)), Long::sum);
        }
        return bytes;
    }

    static long parse(Pattern pattern, String output, String what) throws IOException {
        Matcher match = pattern.matcher(output);
        if (!match.find()) {
            throw new IOException("jcmd printed no " + what + ": " + output.strip());
        }
        return Long.parseLong(match.group(1));
    }

    private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        String[] line = new String[command.length + 2];
        line[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        line[1] = Long.toString(pid);
        System.arraycopy(command, 0, line, 2, command.length);
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IOException("jcmd " + String.join(" ", command) + " failed: " + output.strip());
        }
        return output;
    }
}
