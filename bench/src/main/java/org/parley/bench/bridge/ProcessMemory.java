package org.parley.bench.bridge;

import org.parley.bench.load.ServerProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * buffers are in none of these.
 */
record ProcessMemory(long rssBytes, long liveHeapBytes, long directBytes, Map<String, Long> heapBytesByClass) {
    static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    static final Pattern HISTOGRAM_LINE = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)");
    static final Pattern NMT_OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    static ProcessMemory of(long pid) throws IOException, InterruptedException {
        String histogram = jcmd(pid, "GC.class_histogram");
        long liveHeap = parse(HISTOGRAM_TOTAL, histogram, "the class histogram's total");
        long direct = parse(NMT_OTHER, jcmd(pid, "VM.native_memory", "summary"), "NMT's Other category") * 1024;
        return new ProcessMemory(new ServerProcess(pid).rssBytes(), liveHeap, direct, bytesByClass(histogram));
    }

    ProcessMemory minus(ProcessMemory before) {
        Map<String, Long> grown = new HashMap<>(heapBytesByClass);
        before.heapBytesByClass.forEach((name, bytes) -> grown.merge(name, -bytes, Long::sum));
        return new ProcessMemory(rssBytes - before.rssBytes, liveHeapBytes - before.liveHeapBytes, directBytes - before.directBytes, grown);
    }

    /** Each figure divided by {@code count}: the cost of one of {@code count} things that made the difference. */
    ProcessMemory per(int count) {
        Map<String, Long> each = new HashMap<>();
        heapBytesByClass.forEach((name, bytes) -> each.put(name, bytes / count));
        return new ProcessMemory(rssBytes / count, liveHeapBytes / count, directBytes / count, each);
    }

    /** The {@code count} classes holding the most heap, one "bytes class" line each, largest first. */
    List<String> largestClasses(int count) {
        return heapBytesByClass.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(count).map(e -> String.format(Locale.ROOT, "%8d B  %s", e.getValue(), e.getKey())).toList();
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
