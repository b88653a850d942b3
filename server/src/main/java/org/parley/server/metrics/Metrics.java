package org.parley.server.metrics;

import org.parley.protocol.v1.ErrorCode;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The node's counters, written by many threads without contention (LongAdder) and rendered in the
 * Prometheus text exposition format for {@code GET /metrics}. Counts only: no label ever names an
 * account, a device or an address.
 */
public final class Metrics {
    private final LongAdder openConnections = new LongAdder();
    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder sendsAccepted = new LongAdder();
    private final LongAdder messagesStored = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder attachmentsUploaded = new LongAdder();
    private final LongAdder mediaFramesReceived = new LongAdder();
    private final LongAdder mediaFramesSent = new LongAdder();
    private final LongAdder mediaFramesDropped = new LongAdder();
    private volatile RelayFigures relay;
    private volatile Supplier<Map<String, Long>> webTransport;
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);

    public Metrics() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code != ErrorCode.UNRECOGNIZED) {
                errors.put(code, new LongAdder());
            }
        }
    }

    public void connectionOpened() {
        openConnections.increment();
        connectionsTotal.increment();
    }

    public void connectionClosed() {
        openConnections.decrement();
    }

    public void frameReceived() {
        framesReceived.increment();
    }

    public void frameSent() {
        framesSent.increment();
    }

    public void sendAccepted(int copiesStored) {
        sendsAccepted.increment();
        messagesStored.add(copiesStored);
    }

    public void delivered() {
        deliveries.increment();
    }

    public void batchWritten() {
        batches.increment();
    }

    public void attachmentUploaded() {
        attachmentsUploaded.increment();
    }

    /** Includes the call relay's counters and gauges in {@link #render}. */
    public void includeRelay(RelayFigures callRelay) {
        this.relay = callRelay;
    }

    /** The relay's WebTransport listener's counters (Prometheus names without the parley_ prefix). */
    public void includeWebTransport(Supplier<Map<String, Long>> counters) {
        this.webTransport = counters;
    }

    public void mediaFrameReceived() {
        mediaFramesReceived.increment();
    }

    public void mediaFrameSent() {
        mediaFramesSent.increment();
    }

    public void mediaFrameDropped() {
        mediaFramesDropped.increment();
    }

    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    public long openConnections() {
        return openConnections.sum();
    }

    /** Prometheus text format 0.0.4. */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        gauge(out, "parley_connections", "Open WebSocket connections.", openConnections.sum());
        counter(out, "parley_connections_total", "WebSocket connections accepted.", connectionsTotal.sum());
        counter(out, "parley_frames_received_total", "Client frames received.", framesReceived.sum());
        counter(out, "parley_frames_sent_total", "Server frames sent.", framesSent.sum());
        counter(out, "parley_sends_total", "Sends accepted (stored durably).", sendsAccepted.sum());
        counter(out, "parley_messages_stored_total", "Mailbox copies stored (one per recipient device).", messagesStored.sum());
        counter(out, "parley_deliveries_total", "Messages pushed to connected devices.", deliveries.sum());
        counter(out, "parley_store_batches_total", "Group-commit transactions written.", batches.sum());
        counter(out, "parley_attachments_uploaded_total", "Attachments uploaded.", attachmentsUploaded.sum());
        counter(out, "parley_media_frames_received_total", "Media frames received over WebSockets (the relay fallback).", mediaFramesReceived.sum());
        counter(out, "parley_media_frames_sent_total", "Media frames relayed out over WebSockets.", mediaFramesSent.sum());
        counter(out, "parley_media_frames_dropped_total", "Media frames dropped because a WebSocket could not keep up.", mediaFramesDropped.sum());
        RelayFigures callRelay = relay;
        if (callRelay != null) {
            gauge(out, "parley_relay_calls", "Calls with at least one participant in the relay.", callRelay.activeCalls());
            gauge(out, "parley_relay_participants", "Participants in the relay, over UDP and WebSockets.", callRelay.activeParticipants());
            callRelay.counters().forEach((name, value) ->
                    counter(out, "parley_" + name, "Call relay counter (UDP and WebSocket endpoints).", value));
        }
        Supplier<Map<String, Long>> webTransportCounters = webTransport;
        if (webTransportCounters != null) {
            webTransportCounters.get().forEach((name, value) ->
                    counter(out, "parley_" + name + "_total", "Call relay over WebTransport (browsers' datagrams).", value));
        }
        out.append("# HELP parley_errors_total Error frames sent, by code.\n# TYPE parley_errors_total counter\n");
        errors.forEach((code, count) -> out.append("parley_errors_total{code=\"").append(code.name()).append("\"} ")
                .append(count.sum()).append('\n'));
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        metric(out, name, help, "gauge", value);
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        metric(out, name, help, "counter", value);
    }

    private static void metric(StringBuilder out, String name, String help, String type, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value).append('\n');
    }
}
