package org.parley.bench.spam;

import org.parley.bench.load.LatencySummary;

import java.util.List;
import java.util.Map;

/**
 * What a spam wave did.
 *
 * @param config           the run's settings
 * @param server           where the server ran: "in-process" or its URL
 * @param setupSeconds     registering every account and fetching the first tokens
 * @param phases           one entry per {@link SpamPhase}, in order
 * @param honestSent       honest messages written, over all phases (each counted once, however often retried)
 * @param honestDelivered  of them, delivered and opened by their recipient by the end of the drain
 * @param honestLatency    send-to-opened latency of every honest message
 * @param heapBoundBytes   the stated bound on the heap after a full GC
 * @param maxHeapAfterGcBytes the largest heap after a full GC sampled at the end of each phase, -1 when the server is not in this process
 */
public record SpamReport(SpamConfig config, String server, double setupSeconds, List<Phase> phases, long honestSent,
                         long honestDelivered, LatencySummary honestLatency, long heapBoundBytes, long maxHeapAfterGcBytes) {

    /**
     * @param honestSent      honest messages first written in this phase
     * @param honestDelivered of them, delivered by the end of the run
     * @param honestLatency   their send-to-opened latency
     * @param honestRefusals  refusals of honest sends by error code (each was retried)
     * @param botAnswers      the server's answers to bots by what they tried ({@code unsealed},
     *                        {@code sealed}, {@code spent token}, {@code token request}) and code
     *                        ({@code accepted} when it took the message)
     * @param spamDelivered   bot messages honest users were delivered during the phase
     * @param heapAfterGcBytes heap after a full GC at the end of the phase (-1 when not in process)
     */
    public record Phase(String name, long honestSent, long honestDelivered, LatencySummary honestLatency,
                        Map<String, Long> honestRefusals, Map<String, Long> botAnswers, long spamDelivered,
                        long heapAfterGcBytes) {

        public long botAnswer(String what, String code) {
            return botAnswers.getOrDefault(what + " " + code, 0L);
        }
    }

    public Phase phase(SpamPhase phase) {
        return phases.get(phase.ordinal());
    }

    public double honestDeliveryRatio() {
        return honestSent == 0 ? 1 : (double) honestDelivered / honestSent;
    }

    public boolean heapWithinBound() {
        return maxHeapAfterGcBytes >= 0 && maxHeapAfterGcBytes <= heapBoundBytes;
    }

    /** The report as Markdown, as RESULTS.md records it. */
    public String markdown() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%,d bots (%,d old contacts) and %,d honest users on %s server (%s), %s s per phase;"
                        + " honest users send %.0f msgs/s sealed, each bot %.1f msgs/s. Setup %.1f s.%n%n",
                config.bots(), config.oldContacts(), config.honest(), config.inviteOnly() ? "an invite-only" : "an open", server,
                config.phaseSeconds(), config.honestRate(), config.botRate(), setupSeconds));
        s.append("| phase | honest sent | honest delivered | p50 ms | p99 ms | honest refusals (retried) | bots' answers | spam delivered | heap after GC MiB |\n");
        s.append("| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |\n");
        for (Phase p : phases) {
            s.append(String.format("| %s | %,d | %,d | %.2f | %.2f | %s | %s | %,d | %s |%n", p.name(), p.honestSent(), p.honestDelivered(),
                    p.honestLatency().p50Ms(), p.honestLatency().p99Ms(), counts(p.honestRefusals()), counts(p.botAnswers()),
                    p.spamDelivered(), mib(p.heapAfterGcBytes())));
        }
        s.append(String.format("%nHonest messages: %,d of %,d delivered (%.2f%%), p50 %.2f ms, p99 %.2f ms. "
                        + "Largest heap after a full GC: %s MiB (bound %s MiB: %s).%n",
                honestDelivered, honestSent, 100 * honestDeliveryRatio(), honestLatency.p50Ms(), honestLatency.p99Ms(),
                mib(maxHeapAfterGcBytes), mib(heapBoundBytes),
                maxHeapAfterGcBytes < 0 ? "not measured, the server is not in this process" : heapWithinBound() ? "within" : "EXCEEDED"));
        return s.toString();
    }

    private static String counts(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        counts.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(String.format(" %,d", v)));
        return s.toString();
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "–" : String.format("%.1f", bytes / 1048576.0);
    }
}
