package org.parley.bench.mls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.mls.group.GroupConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The ts-mls side of {@link LargeGroupBench}: the harness in {@code interop/ts-mls} times the same
 * operations inside Node (its {@code benchKeyPackages} and {@code benchGroup} commands) on groups
 * built by one Commit adding everyone, which ts-mls can do; Parley runs the same shape here, with
 * the same Commit (add one, remove one, the committer's path), and the table gives how many times
 * faster Parley is (ts-mls time / Parley time, or Parley rate / ts-mls rate).
 * ts-mls needs minutes per round beyond a few hundred members, so the comparison stops at 100.
 */
final class TsMlsBench {
    private static final int[] SIZES = {2, 100};

    private TsMlsBench() {
    }

    static void compare(Path harness, GroupConfig config, int warmup, int repeats, double parleyKeyPackages, PrintWriter out)
            throws IOException, InterruptedException {
        Process node = new ProcessBuilder("node", "harness.mjs").directory(harness.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ObjectMapper json = new ObjectMapper();
        try (Writer in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
             BufferedReader replies = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            double tsKeyPackages = call(in, replies, json, "{\"cmd\":\"benchKeyPackages\",\"suite\":1,\"millis\":5000}").get("perSecond").asDouble();
            out.println();
            out.println("ts-mls 1.6.4 (Node " + version() + ") against Parley, groups built by one Commit adding everyone; CPU times in ms (median; Parley's thread, ts-mls's whole Node process), rates per CPU second; last column: how many times faster Parley is:");
            out.println();
            out.println("| members | operation | Parley | ts-mls | Parley faster by |");
            out.println("| ---: | --- | ---: | ---: | ---: |");
            row(out, "-", "KeyPackages per second", parleyKeyPackages, tsKeyPackages, parleyKeyPackages / tsKeyPackages);
            for (int members : SIZES) {
                LargeGroupBench.SizeResult parley = LargeGroupBench.measure(members, LargeGroup.byOneCommit(members, config), 0,
                        config, warmup, repeats, false);
                JsonNode ts = call(in, replies, json, String.format(Locale.ROOT,
                        "{\"cmd\":\"benchGroup\",\"suite\":1,\"members\":%d,\"warmup\":%d,\"repeats\":%d}", members, warmup, repeats));
                String m = String.format(Locale.ROOT, "%,d", members);
                timeRow(out, m, "create commit (add 1, remove 1)", parley.createCommit().cpuMillis(), ts.get("create").asDouble());
                timeRow(out, m, "process commit", parley.processCommit().cpuMillis(), ts.get("process").asDouble());
                timeRow(out, m, "join from Welcome", parley.join().cpuMillis(), ts.get("join").asDouble());
                row(out, m, "encrypt 1 KiB per second", parley.encryptPerSecond(), ts.get("encrypt").asDouble(),
                        parley.encryptPerSecond() / ts.get("encrypt").asDouble());
                row(out, m, "decrypt 1 KiB per second", parley.decryptPerSecond(), ts.get("decrypt").asDouble(),
                        parley.decryptPerSecond() / ts.get("decrypt").asDouble());
                out.printf(Locale.ROOT, "| %s | commit / Welcome bytes | %,d / %,d | %,d / %,d | |%n", m, parley.commitBytes(),
                        parley.welcomeBytes(), ts.get("commitBytes").asInt(), ts.get("welcomeBytes").asInt());
            }
        } finally {
            node.destroy();
        }
    }

    private static void timeRow(PrintWriter out, String members, String operation, double parleyMillis, double tsMillis) {
        out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.1f |%n", members, operation, parleyMillis, tsMillis, tsMillis / parleyMillis);
    }

    private static void row(PrintWriter out, String members, String operation, double parley, double ts, double parleyOverTs) {
        out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.1f |%n", members, operation, parley, ts, parleyOverTs);
    }

    private static JsonNode call(Writer in, BufferedReader replies, ObjectMapper json, String request) throws IOException {
        in.write(request + "\n");
        in.flush();
        String line = replies.readLine();
        if (line == null) {
            throw new IOException("the ts-mls harness exited");
        }
        JsonNode response = json.readTree(line);
        if (!response.path("ok").asBoolean()) {
            throw new IOException("ts-mls failed: " + response.path("error").asText());
        }
        return response;
    }

    private static String version() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("node", "--version").start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return v;
    }
}
