package org.parley.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and the latency recorder shared by every connection's event loop. Deliveries are
 * attributed to the rate step whose payload they carry, so a message of an earlier step that
 * arrives late never counts towards the next one.
 */
public final class LoadMetrics {

    private final long runId;
    private volatile int step;
    private final Recorder latencies = new Recorder(1_000L, LatencySummary.HIGHEST_TRACKABLE_NANOS, 3);
    private final LongAdder sent = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder stale = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    public LoadMetrics(long runId) {
        this.runId = runId;
    }

    public long runId() {
        return runId;
    }

    public int step() {
        return step;
    }

    /** Starts counting for a new rate step: counters and latencies begin again from zero. */
    public void beginStep(int newStep) {
        step = newStep;
        sent.reset();
        expected.reset();
        delivered.reset();
        latencies.getIntervalHistogram(); // discards what an earlier step left
    }

    /** One message sent to {@code recipients} devices. */
    public void sent(int recipients) {
        sent.increment();
        expected.add(recipients);
    }

    /** A load payload arrived at {@code nowNanos}. */
    public void received(Payload payload, long nowNanos) {
        if (payload.runId() != runId || payload.step() != step) {
            stale.increment(); // queued by an earlier run, or a straggler of an earlier step
            return;
        }
        long latency = nowNanos - payload.intendedNanos();
        latencies.recordValue(Math.max(0, Math.min(latency, LatencySummary.HIGHEST_TRACKABLE_NANOS)));
        delivered.increment();
    }

    /** Something went wrong that the summary must show; {@code kind} groups them. */
    public void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** Latencies recorded since the previous call (moves them out of the recorder). */
    public Histogram takeLatencies(Histogram recycle) {
        return latencies.getIntervalHistogram(recycle);
    }

    public long sent() {
        return sent.sum();
    }

    public long expected() {
        return expected.sum();
    }

    public long delivered() {
        return delivered.sum();
    }

    public long stale() {
        return stale.sum();
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Errors by kind, sorted by kind. */
    public Map<String, Long> errorsByKind() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
