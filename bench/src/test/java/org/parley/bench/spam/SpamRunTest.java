package org.parley.bench.spam;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's spam wave with 1,000 bots against a server in this JVM with its default limits, on
 * an open and on an invite-only server. Asserts what must hold whatever the machine's speed: every
 * honest message arrives, the bots meet rate limits, the blocked bots' sealed and unsealed sends
 * are refused, a spent token is refused, and the heap stays within its bound. Latency is reported,
 * not asserted.
 */
class SpamRunTest {

    /**
     * Heap in use after a full GC at the end of each phase, for the server and the generator
     * together (1,010 accounts, 1,070 connections and their state on both ends).
     */
    private static final int HEAP_BOUND_MIB = 128;
    /** A small daily allowance, so that the hoarding bot meets it within the run (the default is 2,000). */
    private static final int TOKENS_PER_DAY = 300;

    @ParameterizedTest(name = "invite-only {0}")
    @ValueSource(booleans = {false, true})
    void honestMessagesArriveWhileBotsAreRateLimitedAndBlockedBotsAreRefused(boolean inviteOnly) throws Exception {
        SpamConfig config = new SpamConfig(1000, 10, 50, inviteOnly, 50, 2, 3, 10, 20, HEAP_BOUND_MIB, TOKENS_PER_DAY, 2);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        SpamReport report = SpamRun.runInProcess(config, new PrintStream(progress, true, StandardCharsets.UTF_8));
        String context = report.markdown() + "\n" + progress.toString(StandardCharsets.UTF_8);

        assertThat(report.honestSent()).as(context).isGreaterThan(400);
        assertThat(report.honestDelivered()).as(context).isEqualTo(report.honestSent());

        SpamReport.Phase unsealedWave = report.phase(SpamPhase.UNSEALED_WAVE);
        assertThat(unsealedWave.botAnswer("unsealed", "RATE_LIMITED")).as(context).isPositive();

        SpamReport.Phase sealedWave = report.phase(SpamPhase.SEALED_WAVE);
        assertThat(sealedWave.botAnswer("sealed", "accepted")).as("old contacts' sealed sends go through before blocking\n" + context)
                .isPositive();
        assertThat(sealedWave.botAnswer("token request", "RATE_LIMITED")).as("a bot hoarding tokens meets the daily quota\n" + context)
                .isPositive();
        assertThat(sealedWave.botAnswer("spent token", "accepted")).as(context).isZero();
        assertThat(sealedWave.botAnswer("spent token", "ACCESS_DENIED")).as(context).isPositive();

        SpamReport.Phase blocked = report.phase(SpamPhase.BLOCKED);
        assertThat(blocked.botAnswer("sealed", "accepted")).as(context).isZero();
        assertThat(blocked.botAnswer("sealed", "ACCESS_DENIED")).as(context).isPositive();
        assertThat(blocked.botAnswer("unsealed", "accepted")).as(context).isZero();
        assertThat(blocked.botAnswer("unsealed", "ACCESS_DENIED")).as(context).isPositive();

        assertThat(report.maxHeapAfterGcBytes()).as(context).isPositive();
        assertThat(report.heapWithinBound()).as(context).isTrue();
        System.out.println(report.markdown());
    }
}
